import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Injectable,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, Level } from 'pino';
import { runWithContext } from './context';
import { resolveCorrelationId } from './correlation';
import { createLogger } from './logger';
import { redactUrl } from './redact-url';

/** Options for {@link OrchLoggerModule.forRoot}. */
export interface OrchLoggerOptions {
  /** Written as `service` on every line. */
  serviceName: string;
  /** Minimum level (trace … fatal, or silent). Default `info`. */
  level?: string;
  /** Human-readable lines instead of JSON (development only). */
  pretty?: boolean;
  /** Where lines go; default stdout. Mainly for tests. */
  destination?: DestinationStream;
}

/** Probe endpoints polled every few seconds; logging them would drown everything else. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

const pathOf = (req: IncomingMessage): string => (req.url ?? '').split('?')[0];

function responseLevel(_req: IncomingMessage, res: ServerResponse, err?: Error): Level {
  if (err || res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * Runs the rest of the request inside {@link runWithContext} with its correlation
 * id, so every log line and outgoing message of that request carries it.
 */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    runWithContext({ correlationId: resolveCorrelationId(req, res) }, next);
  }
}

/**
 * JSON logging for a Nest app via nestjs-pino: inject `Logger` (or `PinoLogger`)
 * from `nestjs-pino`; lines carry `service` plus the current log context and
 * trace id. HTTP requests get a correlation id (from `x-correlation-id` or a new
 * UUIDv7, echoed back) and one completion line each, except /healthz and /readyz.
 */
@Module({})
export class OrchLoggerModule implements NestModule {
  /** Registers the logger globally; import once, in the app's root module. */
  static forRoot(options: OrchLoggerOptions): DynamicModule {
    const logger = createLogger(options.serviceName, options);
    return {
      module: OrchLoggerModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: resolveCorrelationId,
            autoLogging: { ignore: (req) => UNLOGGED_PATHS.has(pathOf(req)) },
            customLogLevel: responseLevel,
            // The correlation id comes from the mixin; keep per-request bindings small.
            serializers: {
              // Stream routes accept ?access_token= (browsers cannot set headers); it must not reach the logs.
              req: (req: { method?: string; url?: string }) => ({ method: req.method, url: redactUrl(req.url) }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      providers: [CorrelationMiddleware],
      exports: [LoggerModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
