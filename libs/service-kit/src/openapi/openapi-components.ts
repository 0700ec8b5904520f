import type { ComponentsObject, ExampleObject, HeaderObject, ParameterObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCodes } from '@orch/contracts';
import { API_VERSION_HEADER, ORCH_API_VERSION } from '../http/api-version';
import { PROBLEM_JSON, PROBLEM_TYPE_BASE } from '../http/problem-json.filter';

/** Names of the shared components every Orch OpenAPI document carries. */
export const OpenApiRefs = {
  schemas: { problem: 'Problem', fieldError: 'ProblemFieldError' },
  securitySchemes: { bearer: 'bearer', accessToken: 'accessToken' },
  headers: {
    apiVersion: API_VERSION_HEADER,
    idempotentReplayed: 'Idempotent-Replayed',
    idempotencyKey: 'Idempotency-Key',
    rateLimitLimit: 'X-RateLimit-Limit',
    rateLimitRemaining: 'X-RateLimit-Remaining',
    rateLimitReset: 'X-RateLimit-Reset',
    retryAfter: 'Retry-After',
    location: 'Location',
    wwwAuthenticate: 'WWW-Authenticate',
  },
  parameters: {
    idempotencyKey: 'IdempotencyKey',
    tenant: 'XOrchTenant',
    tenantQuery: 'TenantQuery',
    reason: 'XOrchReason',
    ticket: 'XOrchTicket',
    ticketRequired: 'XOrchTicketRequired',
  },
} as const;

/** Extension naming the scopes an operation requires (also in its `security`). */
export const X_ORCH_SCOPES = 'x-orch-scopes';
/** Extension marking an operation that needs no token (`security: []`). */
export const X_ORCH_PUBLIC = 'x-orch-public';

type ComponentKind = 'schemas' | 'headers' | 'parameters' | 'securitySchemes' | 'responses' | 'examples';

/** `{ $ref: '#/components/<kind>/<name>' }`. */
export function componentRef(kind: ComponentKind, name: string): ReferenceObject {
  return { $ref: `#/components/${kind}/${name}` };
}

/** The shared problem+json schema, as a reference. */
export const PROBLEM_SCHEMA_REF = componentRef('schemas', OpenApiRefs.schemas.problem);

/** A trace id of the right shape for examples. */
export const EXAMPLE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Fields of {@link problemExample}. */
export interface ProblemExampleInit {
  status: number;
  code: string;
  detail: string;
  /** Defaults to the title of `code` in ErrorCodes. */
  title?: string;
  /** The request path (`instance`), e.g. `/api/v1/jobs/0190…`. */
  instance?: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<string, string> = Object.fromEntries(Object.values(ErrorCodes).map((e) => [e.code, e.title]));

/** A problem+json body exactly as the ProblemJsonFilter writes it, for examples. */
export function problemExample(init: ProblemExampleInit): Record<string, unknown> {
  return {
    type: `${PROBLEM_TYPE_BASE}${init.code}`,
    title: init.title ?? TITLES[init.code] ?? init.code,
    status: init.status,
    detail: init.detail,
    code: init.code,
    ...(init.instance ? { instance: init.instance } : {}),
    traceId: EXAMPLE_TRACE_ID,
    ...(init.errors ? { errors: init.errors } : {}),
  };
}

/** What an error status means in Orch, with a typical example (used when a route gives none). */
export const PROBLEM_STATUS_DEFAULTS: Record<number, { description: string; example: ProblemExampleInit }> = {
  400: {
    description: 'The request is not valid (`validation_failed`, `decode_failed`, `tenant_required`); `errors` lists each problem.',
    example: { status: 400, code: 'tenant_required', detail: 'the token lists several tenants: choose one with the X-Orch-Tenant header' },
  },
  401: {
    description: 'No bearer token, or one that does not verify (`unauthorized`). `WWW-Authenticate` says which.',
    example: { status: 401, code: 'unauthorized', detail: 'send Authorization: Bearer <token>' },
  },
  403: {
    description: 'The token lacks a scope this operation requires, or does not grant the chosen tenant (`forbidden`).',
    example: { status: 403, code: 'forbidden', detail: 'this operation requires scope orch:read' },
  },
  404: {
    description: 'Not found (`not_found`). Another tenant\'s objects are answered exactly like ones that never existed.',
    example: { status: 404, code: 'not_found', detail: 'not found' },
  },
  409: {
    description: 'Conflict: an Idempotency-Key reused with another body (`idempotency_conflict`), or a change the object\'s state does not allow (`invalid_transition`).',
    example: { status: 409, code: 'idempotency_conflict', detail: 'Idempotency-Key order-42 was used with a different request body' },
  },
  413: {
    description: 'The body or the job payload is over its size limit (`payload_too_large`).',
    example: { status: 413, code: 'payload_too_large', detail: 'request body exceeds 1048576 bytes' },
  },
  415: {
    description: 'The body is not `application/json` (`unsupported_media_type`).',
    example: { status: 415, code: 'unsupported_media_type', title: 'Unsupported Media Type', detail: 'Content-Type must be application/json' },
  },
  429: {
    description: 'The tenant is over its API rate limit (`rate_limited`); retry after `Retry-After` seconds.',
    example: { status: 429, code: 'rate_limited', detail: 'tenant acme is over its API rate limit (50 requests/s, burst 100); retry after 1 s' },
  },
  500: {
    description: 'An unexpected error (`internal`); the detail is generic, the trace id finds the logs.',
    example: { status: 500, code: 'internal', detail: 'internal error' },
  },
  503: {
    description: 'A dependency (NATS, PostgreSQL, ledger-writer) is unavailable (`unavailable`); retry after `Retry-After` seconds (a POST with the same Idempotency-Key).',
    example: { status: 503, code: 'unavailable', detail: 'ledger-writer is unavailable; retry with the same Idempotency-Key' },
  },
};

const header = (description: string, schema: SchemaObject, example?: unknown): HeaderObject => ({
  description,
  schema,
  ...(example !== undefined ? { example } : {}),
});

const PRINTABLE_ASCII = '^[\\x20-\\x7e]+$';

/** Shared schemas, headers, parameters and security schemes; `setupOpenApi` merges them into every document. */
export function orchOpenApiComponents(apiVersion: string = ORCH_API_VERSION): ComponentsObject {
  const H = OpenApiRefs.headers;
  const P = OpenApiRefs.parameters;
  const idempotencyKeyParam: ParameterObject = {
    name: H.idempotencyKey,
    in: 'header',
    required: false,
    description:
      'Makes a POST safe to retry: the same key with the same body answers the first result again (`Idempotent-Replayed: true`), ' +
      'the same key with another body is 409 `idempotency_conflict`. Keys are per tenant and route. Without one the server makes one, ' +
      'so a blind retry may act twice.',
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: PRINTABLE_ASCII },
    example: 'order-42-submit',
  };
  return {
    schemas: {
      [OpenApiRefs.schemas.fieldError]: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'The field, header or query parameter at fault.', examples: ['jobType'] },
          message: { type: 'string', examples: ['jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'] },
        },
      },
      [OpenApiRefs.schemas.problem]: {
        type: 'object',
        description: `Every error, as \`${PROBLEM_JSON}\` (RFC 9457) with Orch's stable \`code\` and the trace id.`,
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string', format: 'uri', description: `\`${PROBLEM_TYPE_BASE}<code>\`.`, examples: [`${PROBLEM_TYPE_BASE}not_found`] },
          title: { type: 'string', description: 'Short, stable summary of the code.', examples: ['Not found'] },
          status: { type: 'integer', minimum: 400, maximum: 599, examples: [404] },
          detail: { type: 'string', description: 'What went wrong with this request.', examples: ['job 0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01 not found'] },
          code: { type: 'string', description: 'Stable machine-readable code; branch on this, not on `title` or `detail`.', examples: ['not_found'] },
          instance: { type: 'string', description: 'The request path.', examples: ['/api/v1/jobs/0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01'] },
          traceId: { type: 'string', pattern: '^[0-9a-f]{32}$', description: 'W3C trace id of the request; quote it when reporting a problem.', examples: [EXAMPLE_TRACE_ID] },
          errors: { type: 'array', items: componentRef('schemas', OpenApiRefs.schemas.fieldError), description: 'Each field problem of a 400/413.' },
        },
      },
    },
    securitySchemes: {
      [OpenApiRefs.securitySchemes.bearer]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A JWT from the identity provider (EdDSA, ES256 or RS256). Scopes come from `scope`/`scp`/`scopes`, the tenant from `tenant` or `tenants` ' +
          '(with several, `X-Orch-Tenant` chooses one). The scopes listed on an operation are all required.',
      },
      [OpenApiRefs.securitySchemes.accessToken]: {
        type: 'apiKey',
        in: 'query',
        name: 'access_token',
        description:
          'The same JWT in the query string, only on stream routes (EventSource and WebSocket cannot set headers). URLs are logged more often than headers: use short-lived tokens. Never together with an Authorization header.',
      },
    },
    headers: {
      [H.apiVersion]: header('Version of the Orch HTTP API that answered; on every response.', { type: 'string', pattern: '^\\d+\\.\\d+$' }, apiVersion),
      [H.idempotentReplayed]: header('`true` when this answer was replayed from the idempotency record of an earlier request with the same key and body.', { type: 'string', enum: ['true'] }, 'true'),
      [H.idempotencyKey]: header('The Idempotency-Key this request was recorded under (the one sent, or one the server made).', { type: 'string' }, 'order-42-submit'),
      [H.rateLimitLimit]: header('Requests the tenant may send at once (bucket capacity).', { type: 'integer', minimum: 1 }, 100),
      [H.rateLimitRemaining]: header('Requests left in the bucket after this one.', { type: 'integer', minimum: 0 }, 99),
      [H.rateLimitReset]: header('Seconds until the bucket is full again.', { type: 'integer', minimum: 0 }, 1),
      [H.retryAfter]: header('Seconds to wait before retrying.', { type: 'integer', minimum: 1 }, 1),
      [H.location]: header('URL of the created resource.', { type: 'string', format: 'uri-reference' }, '/api/v1/jobs/0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01'),
      [H.wwwAuthenticate]: header('RFC 6750 challenge: `error="invalid_token"` for a bad token, `error="insufficient_scope"` with the required scopes on a 403.', { type: 'string' }, 'Bearer realm="orch", error="insufficient_scope", scope="orch:read"'),
    },
    parameters: {
      [P.idempotencyKey]: idempotencyKeyParam,
      [P.tenant]: {
        name: 'X-Orch-Tenant',
        in: 'header',
        required: false,
        description:
          'Chooses the tenant when the token grants several (400 `tenant_required` without it); with a single-tenant token it may be sent and must equal that tenant (403 otherwise). It never adds a tenant.',
        schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
        example: 'acme',
      },
      [P.tenantQuery]: {
        name: 'tenant',
        in: 'query',
        required: false,
        description: 'Like `X-Orch-Tenant`, for clients that cannot set headers (stream routes only).',
        schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
        example: 'acme',
      },
      [P.reason]: {
        name: 'X-Orch-Reason',
        in: 'header',
        required: true,
        description: 'Why the operator acts; lands in the audit log. Printable ASCII, at most 256 characters (400 `validation_failed` otherwise).',
        schema: { type: 'string', minLength: 1, maxLength: 256, pattern: PRINTABLE_ASCII },
        example: 'customer asked to stop the import',
      },
      [P.ticket]: {
        name: 'X-Orch-Ticket',
        in: 'header',
        required: false,
        description: 'Change or incident ticket, recorded in the audit log. At most 128 characters.',
        schema: { type: 'string', minLength: 1, maxLength: 128, pattern: PRINTABLE_ASCII },
        example: 'OPS-1234',
      },
      [P.ticketRequired]: {
        name: 'X-Orch-Ticket',
        in: 'header',
        required: true,
        description: 'Change or incident ticket, required for this operation and recorded in the audit log. At most 128 characters.',
        schema: { type: 'string', minLength: 1, maxLength: 128, pattern: PRINTABLE_ASCII },
        example: 'OPS-1234',
      },
    },
  };
}

/** `content` of a problem+json response with the shared schema and the given examples. */
export function problemContent(examples: Record<string, ExampleObject>): Record<string, { schema: ReferenceObject; examples: Record<string, ExampleObject> }> {
  return { [PROBLEM_JSON]: { schema: PROBLEM_SCHEMA_REF, examples } };
}
