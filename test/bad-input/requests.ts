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
/** A schedule body that would be accepted (paused, so it would never fire). */
export const VALID_SCHEDULE = { project: 'p1', name: 'bi schedule', cron: '0 3 * * *', timeZone: 'Europe/Berlin', paused: true, job: { jobType: 'bi.refused', payload: {} } } as const;
/** A schedule change that would be accepted. */
export const VALID_SCHEDULE_PATCH = { name: 'changed by a bad request' } as const;
/** A run body that would be accepted: two jobs, one depending on the other. */
export const VALID_RUN = { jobs: [{ ...VALID_JOB, key: 'first' }, { ...VALID_JOB, key: 'second', dependsOn: ['first'] }] } as const;
/** A limit rule that would be accepted (it matches a job type nobody submits). */
export const VALID_LIMIT_RULE = { id: 'bi-rule', kind: 'concurrency', match: { jobType: 'bi.never' }, per: ['tenant'], maxInFlight: 1 } as const;
/** A pause that would be accepted (of a job type nobody submits). */
export const VALID_PAUSE = { match: { jobType: 'bi.never' }, reason: 'bad-input suite' } as const;
/** A bulk dead-letter call that would be accepted: a dry run (it would change nothing even if let through). */
export const VALID_BULK_DEAD_LETTERS = { filter: { jobType: 'bi.never' }, dryRun: true } as const;
/**
 * A backfill that would be accepted: a real run (so one let through would show in the ledger) over a
 * window of a job type nobody claims.
 */
export const VALID_BACKFILL = { project: 'p1', jobType: 'bi.never', source: 'bi-source', from: '2026-01-01T00:00:00Z', to: '2026-01-01T02:00:00Z', slice: 'PT1H' } as const;
/** Limits changes (`orch:quota`) and backfills (`orch:backfill`) need a ticket as well as a reason. */
export const TICKET = { 'x-orch-ticket': 'BI-1' } as const;
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
    case 'POST /api/v1/schedules':
      return VALID_SCHEDULE;
    case 'PATCH /api/v1/schedules/{id}':
      return VALID_SCHEDULE_PATCH;
    case 'POST /api/v1/runs':
      return VALID_RUN;
    case 'POST /api/v1/limits/rules':
      return VALID_LIMIT_RULE;
    case 'POST /api/v1/limits/pauses':
      return VALID_PAUSE;
    case 'POST /api/v1/jobs/{id}/replay':
      return {};
    case 'POST /api/v1/backfills':
      return VALID_BACKFILL;
    case 'POST /api/v1/dead-letters/replay':
    case 'POST /api/v1/dead-letters/purge':
      return VALID_BULK_DEAD_LETTERS;
    default:
      return undefined;
  }
}

/** The tenant's object a route's path parameter names. */
export function idOf(fx: TenantFixtures, kind: IdKind): string {
  if (kind === 'schedule') return fx.scheduleId;
  if (kind === 'run') return fx.runId;
  if (kind === 'limit-rule') return fx.ruleId;
  if (kind === 'pause') return fx.pauseId;
  if (kind === 'dead-letter') return fx.deadLetterId;
  if (kind === 'artifact') return fx.artifactId;
  if (kind === 'backfill') return fx.backfillId;
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
    ...(route.scope === 'orch:quota' || route.scope === 'orch:backfill' ? TICKET : {}),
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
