import { STATUS_CODES as HTTP_STATUS_TEXT } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import type { Request, Response } from 'express';
import { ErrorCodes, OrchError } from '@orch/contracts';
import { currentTraceId } from '@orch/telemetry';

/** Media type of every error body. */
export const PROBLEM_JSON = 'application/problem+json';

/** An RFC 9457 problem body with Orch's stable `code` and the trace id. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  traceId?: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** Base of the `type` URIs; the code is appended (`…/problems/validation_failed`). */
export const PROBLEM_TYPE_BASE = 'https://orch.dev/problems/';

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * A client error raised by express middleware (http-errors, as the body parsers
 * throw for a body over their limit, an unsupported charset or encoding, a body
 * that does not decompress): a 4xx status meant to be shown (`expose`).
 */
function isExposedClientError(err: unknown): err is Error & { status: number } {
  const e = err as { status?: unknown; expose?: unknown } | null;
  return err instanceof Error && typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true;
}

/** Builds a problem body from any thrown value; unknown errors become a generic 500. */
export function toProblem(err: unknown, instance?: string): ProblemBody {
  const traceId = currentTraceId();
  if (err instanceof OrchError) {
    return {
      type: `${PROBLEM_TYPE_BASE}${err.code}`,
      title: err.title,
      status: err.status,
      detail: err.message,
      code: err.code,
      ...(instance ? { instance } : {}),
      ...(traceId ? { traceId } : {}),
      ...(err.errors ? { errors: err.errors } : {}),
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? err.message);
    const code = status === 400 && /JSON/i.test(String(message)) ? ErrorCodes.decode.code : (STATUS_CODES[status] ?? (status >= 500 ? 'internal' : 'http_error'));
    return {
      type: `${PROBLEM_TYPE_BASE}${code}`,
      title: err.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'),
      status,
      detail: Array.isArray(message) ? message.join('; ') : String(message),
      code,
      ...(instance ? { instance } : {}),
      ...(traceId ? { traceId } : {}),
    };
  }
  if (isExposedClientError(err)) {
    // Middleware errors are not HttpExceptions; without this they would be reported as 500s.
    const code = STATUS_CODES[err.status] ?? 'http_error';
    return {
      type: `${PROBLEM_TYPE_BASE}${code}`,
      title: HTTP_STATUS_TEXT[err.status] ?? 'Client error',
      status: err.status,
      detail: err.message,
      code,
      ...(instance ? { instance } : {}),
      ...(traceId ? { traceId } : {}),
    };
  }
  return {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: ErrorCodes.internal.title,
    status: 500,
    detail: 'internal error',
    code: ErrorCodes.internal.code,
    ...(instance ? { instance } : {}),
    ...(traceId ? { traceId } : {}),
  };
}

/**
 * Global exception filter: every HTTP error leaves as `application/problem+json`
 * with a stable `code` and the trace id. 5xx causes are logged, never sent.
 * Errors of NATS handlers pass through untouched, so the transport replies
 * with the thrown OrchError's own code (Nest's default RPC handling would
 * turn every error into a generic "Internal server error").
 * `bootstrapService` registers it before the NATS transports are connected:
 * microservices copy the global filters when they are connected.
 */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemJsonFilter');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const problem = toProblem(exception, req.originalUrl?.split('?')[0]);
    if (problem.status >= 500) {
      this.logger.error(`${req.method} ${req.originalUrl} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof OrchError && exception.status === 503) res.setHeader('Retry-After', '1');
    res.status(problem.status).type(PROBLEM_JSON).send(JSON.stringify(problem));
  }
}
