import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtension, ApiHeader, ApiQuery, ApiResponse, type HeaderObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { componentRef, problemContent, problemExample, PROBLEM_STATUS_DEFAULTS, type ProblemExampleInit } from './openapi-components';

type RouteDecorator = MethodDecorator & ClassDecorator;

/** A named problem example of {@link ApiProblemResponse}; `status` defaults to the response's. */
export type ProblemExampleSpec = Omit<ProblemExampleInit, 'status'> & { summary?: string; status?: number };

/**
 * Documents error responses with Orch's defaults for each status: the shared
 * `Problem` schema (`application/problem+json`), a description of what the
 * status means here and a typical example. Use {@link ApiProblemResponse} where
 * the route has its own codes or wording worth showing.
 *
 * `setupOpenApi` adds 400/401/403 (and 429 where the app is rate limited) to
 * every authenticated operation and a `default` problem to all, so list only
 * what the route itself can answer: `@ApiProblemResponses(404, 503)`.
 */
export function ApiProblemResponses(...statuses: number[]): RouteDecorator {
  return applyDecorators(
    ...statuses.map((status) => {
      const d = PROBLEM_STATUS_DEFAULTS[status];
      if (!d) throw new Error(`ApiProblemResponses: no default for status ${status}; use ApiProblemResponse(${status}, {...})`);
      return ApiProblemResponse(status, { description: d.description, examples: { [d.example.code]: { ...d.example, summary: d.example.code } } });
    }),
  );
}

/**
 * One error response with its own description and examples, each a problem
 * body as the ProblemJsonFilter writes it:
 * `@ApiProblemResponse(409, { description: '…', examples: { conflict: { code: 'idempotency_conflict', detail: '…' } } })`.
 */
export function ApiProblemResponse(
  status: number,
  spec: { description?: string; examples: Record<string, ProblemExampleSpec>; headers?: Record<string, HeaderObject> },
): RouteDecorator {
  const examples = Object.fromEntries(
    Object.entries(spec.examples).map(([name, { summary, ...init }]) => [name, { summary: summary ?? init.code, value: problemExample({ status, ...init }) }]),
  );
  return ApiResponse({
    status,
    description: spec.description ?? PROBLEM_STATUS_DEFAULTS[status]?.description ?? `Error ${status}`,
    ...(spec.headers ? { headers: spec.headers } : {}),
    content: problemContent(examples),
  });
}

/** Default and limit of {@link ApiPageQuery}'s `page_size`. */
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 500;

/**
 * The cursor pagination query of design.md: `page_size` (default 50, at most
 * 500) and `page_token` (the previous page's `next_page_token`). The response
 * carries `next_page_token`, null on the last page.
 */
export function ApiPageQuery(opts: { defaultSize?: number; maxSize?: number } = {}): RouteDecorator {
  const def = opts.defaultSize ?? PAGE_SIZE_DEFAULT;
  const max = opts.maxSize ?? PAGE_SIZE_MAX;
  return applyDecorators(
    ApiQuery({
      name: 'page_size',
      required: false,
      description: `Items per page (default ${def}, at most ${max}).`,
      schema: { type: 'integer', minimum: 1, maximum: max, default: def },
      example: def,
    }),
    ApiQuery({
      name: 'page_token',
      required: false,
      description: 'The `next_page_token` of the previous page; omit it for the first page. Opaque: send it back unchanged.',
      schema: { type: 'string', maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
      example: 'WyIyMDI2LTExLTIzVDEwOjE1OjAwLjEyMzQ1NloiLCIwMTkwZDZmMC0zYzFhLTdjNGUtOWE1NS00ZjZkMmI4ZTFhMDEiXQ',
    }),
  );
}

/** Extension carrying the messages of a WebSocket route (OpenAPI has no WebSocket objects). */
export const X_ORCH_WEBSOCKET = 'x-orch-websocket';

/**
 * Documents a WebSocket endpoint the OpenAPI way: an HTTP GET whose success is
 * `101 Switching Protocols`. Put it on the controller method that answers the
 * plain (non-upgrade) GET of that path, so the route exists for Nest, the auth
 * guard and the route-agreement test; the upgrade itself is handled on the
 * HTTP server. Messages are described in `description` and, as data, in the
 * `x-orch-websocket` extension.
 */
export function ApiWebSocketUpgrade(spec: { description: string; serverMessages?: Record<string, unknown>; clientMessages?: Record<string, unknown> }): RouteDecorator {
  return applyDecorators(
    ApiHeader({ name: 'Upgrade', required: true, description: 'Must be `websocket`.', schema: { type: 'string', enum: ['websocket'] } }),
    ApiHeader({ name: 'Sec-WebSocket-Version', required: true, description: 'RFC 6455 version; must be 13.', schema: { type: 'string', enum: ['13'] } }),
    ApiResponse({
      status: 101,
      description: `Switching Protocols: the connection is now a WebSocket (RFC 6455). ${spec.description}`,
      headers: {
        Upgrade: { description: '`websocket`', schema: { type: 'string' } },
        Connection: { description: '`Upgrade`', schema: { type: 'string' } },
        'Sec-WebSocket-Accept': { description: 'RFC 6455 handshake answer.', schema: { type: 'string' } },
      },
    }),
    ApiExtension(X_ORCH_WEBSOCKET, { serverMessages: spec.serverMessages ?? {}, clientMessages: spec.clientMessages ?? {} }),
  );
}

/** A named example of a body (`T`: its type, so an example cannot show a field that does not exist). */
export interface JsonExample<T = unknown> {
  summary: string;
  description?: string;
  value: T;
}

/** A schema of `components.schemas` by name, or a schema. */
export type SchemaSpec = string | SchemaObject | ReferenceObject;

function schemaOf(spec: SchemaSpec): SchemaObject | ReferenceObject {
  return typeof spec === 'string' ? componentRef('schemas', spec) : spec;
}

/** What {@link ApiJsonResponse} documents. */
export interface JsonResponseSpec {
  description: string;
  schema: SchemaSpec;
  examples?: Record<string, JsonExample>;
  /** Shared response headers by name (`Location`, `Idempotency-Key`, `Idempotent-Replayed`: see OpenApiRefs.headers). */
  headers?: string[];
  /** Headers of this route only. */
  ownHeaders?: Record<string, HeaderObject>;
}

/**
 * A JSON success response: its schema (a component by name, so request and
 * response types are written once), named examples and headers. The shared
 * headers every response has (`X-Orch-Api-Version`, `X-RateLimit-*`) are added
 * by `setupOpenApi`; name here only what this answer adds.
 */
export function ApiJsonResponse(status: number, spec: JsonResponseSpec): RouteDecorator {
  const headers: Record<string, HeaderObject | ReferenceObject> = {
    ...Object.fromEntries((spec.headers ?? []).map((h) => [h, componentRef('headers', h)])),
    ...spec.ownHeaders,
  };
  return ApiResponse({
    status,
    description: spec.description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { 'application/json': { schema: schemaOf(spec.schema), ...(spec.examples ? { examples: spec.examples } : {}) } },
  });
}

/** A required JSON request body (a component by name, usually a class-validator class) with named examples. */
export function ApiJsonBody(schema: SchemaSpec, examples?: Record<string, JsonExample>, description?: string): MethodDecorator {
  return ApiBody({ required: true, schema: schemaOf(schema), ...(examples ? { examples } : {}), ...(description ? { description } : {}) });
}

/** The SSE resume parameters: `Last-Event-ID` (sent by EventSource on reconnect) and its query form. */
const LAST_EVENT_ID_SCHEMA: SchemaObject = { type: 'string', pattern: '^\\d{1,16}$' };

/**
 * A `text/event-stream` (server-sent events) answer: `description` says which
 * frames come (`id`, `event`, `data`) and how the stream ends; `examples` are
 * raw frames. Also documents how a client resumes: the `Last-Event-ID` header
 * EventSource sends on reconnect, or `?lastEventId=` for clients that cannot
 * set headers (the header wins).
 */
export function ApiEventStream(spec: { description: string; examples: Record<string, JsonExample<string>> }): RouteDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Last-Event-ID',
      required: false,
      description: 'Resume after this event: the `id` of the last frame received (EventSource sends it when it reconnects).',
      schema: LAST_EVENT_ID_SCHEMA,
    }),
    ApiQuery({ name: 'lastEventId', required: false, description: 'Like `Last-Event-ID`, for clients that cannot set headers; the header wins.', schema: LAST_EVENT_ID_SCHEMA }),
    ApiResponse({
      status: 200,
      description: spec.description,
      headers: {
        'Cache-Control': { description: '`no-cache`', schema: { type: 'string' } },
      },
      content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events (WHATWG HTML), UTF-8.' }, examples: spec.examples } },
    }),
  );
}
