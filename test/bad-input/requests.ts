/**
 * Well-formed requests to every route, as tenant A would send them: each case
 * starts from one and breaks exactly one thing, so the refusal it gets can only
 * be about that thing.
 */
import type { BadInputHarness } from './harness';
import type { HttpRequest } from './http-client';
import type { TenantFixtures } from './fixtures';
import { IdKind, routeKey, routePath, RouteSpec } from './routes';

/** A job body that would be accepted. */
export const VALID_JOB = { project: 'p1', jobType: 'bi.refused', payload: { ok: true } } as const;
/** A webhook body that would be accepted (disabled, so it would never deliver). */
export const VALID_WEBHOOK = { url: 'http://127.0.0.1:9/never', eventTypes: ['job.created'], enabled: false } as const;
/** A webhook change that would be accepted. */
export const VALID_WEBHOOK_PATCH = { description: 'changed by a bad request' } as const;
/** The operator headers an operator action needs. */
export const REASON = { 'x-orch-reason': 'bad-input suite' } as const;

/** The JSON body a route would accept, or undefined for routes without one. */
export function validBody(route: RouteSpec): unknown {
  switch (routeKey(route)) {
    case 'POST /api/v1/jobs':
      return VALID_JOB;
    case 'POST /api/v1/jobs/batch':
      return { jobs: [VALID_JOB, { ...VALID_JOB, jobType: 'bi.refused.2' }] };
    case 'POST /api/v1/webhooks':
      return VALID_WEBHOOK;
    case 'PATCH /api/v1/webhooks/{id}':
      return VALID_WEBHOOK_PATCH;
    default:
      return undefined;
  }
}

/** The tenant's object a route's path parameter names. */
export function idOf(fx: TenantFixtures, kind: IdKind): string {
  return kind === 'job' ? fx.job.id : kind === 'webhook' ? fx.webhookId : fx.deliveryIds[0];
}

/** Options of {@link validRequest}; each replaces one part of the well-formed request. */
export interface RequestParts {
  /** The bearer token (default A's read+operate token); null sends no Authorization. */
  token?: string | null;
  /** The path parameter (default A's own object). */
  id?: string;
  /** A raw query string (without `?`). */
  query?: string;
  /** Extra headers, replacing the defaults of the same (lower-case) name. */
  headers?: Record<string, string | string[]>;
  /** Header names to leave out. */
  omit?: string[];
  /** A raw body, replacing the valid one. */
  body?: string | Uint8Array;
}

/** The well-formed request to `route` with `parts` replaced. */
export function validRequest(h: BadInputHarness, route: RouteSpec, parts: RequestParts = {}): HttpRequest {
  const token = parts.token === undefined ? h.tokens.a : parts.token;
  const body = parts.body ?? (validBody(route) === undefined ? undefined : JSON.stringify(validBody(route)));
  const headers: Record<string, string | string[]> = {
    ...(token === null ? {} : h.bearer(token)),
    ...(route.operator ? REASON : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(route.stream === 'sse' ? { accept: 'text/event-stream' } : {}),
    ...parts.headers,
  };
  for (const name of parts.omit ?? []) delete headers[name];
  return {
    method: route.method,
    path: routePath(route, parts.id ?? (route.id ? idOf(h.fx.a, route.id) : undefined), parts.query),
    headers,
    body,
  };
}
