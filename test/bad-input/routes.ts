/**
 * The table of every HTTP route the suite attacks, and how to list the routes
 * the running services really serve, so that a route added to a controller
 * without a row here fails the suite.
 */
import { startService } from '@orch/testing';

export type Service = 'api' | 'event-notifier';
/** What a route's path parameter names. */
export type IdKind = 'job' | 'webhook' | 'delivery' | 'schedule' | 'run' | 'limit-rule' | 'pause' | 'dead-letter' | 'artifact' | 'backfill';

/** One route and what it takes, as far as bad input is concerned. */
export interface RouteSpec {
  service: Service;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI path template; the parameter names are the controllers'. */
  path: string;
  scope: 'orch:read' | 'orch:operate' | 'orch:quota' | 'orch:backfill';
  /** An operator action: `X-Orch-Reason` required (and `X-Orch-Ticket` checked). */
  operator?: boolean;
  /** The body must be JSON (415 otherwise) and is validated. */
  jsonBody?: boolean;
  /** Takes no body: a body with fields is refused. */
  noBody?: boolean;
  /** Reads `Idempotency-Key`. */
  idempotent?: boolean;
  /** The query parameters it validates (anything else is refused); undefined: the route reads no query. */
  query?: readonly string[];
  /** What the path parameter names. */
  id?: IdKind;
  /** `{}` is a body it accepts, so a generated `{}` is no bad input for it. */
  emptyObjectValid?: boolean;
  /** A live stream: takes `?access_token=` and `?tenant=`. */
  stream?: 'sse' | 'ws';
}

const JOBS = '/api/v1/jobs';
const WEBHOOKS = '/api/v1/webhooks';
const PAGE = ['page_size', 'page_token'] as const;
const SCHEDULES = '/api/v1/schedules';
const RUNS = '/api/v1/runs';
const LIMITS = '/api/v1/limits';
const DEAD_LETTERS = '/api/v1/dead-letters';
const BACKFILLS = '/api/v1/backfills';
const DL_FILTER = ['project', 'jobType', 'from', 'to'] as const;

/** Every route of api and event-notifier but the probes, the OpenAPI document and the dashboard. */
export const ROUTES: readonly RouteSpec[] = [
  { service: 'api', method: 'POST', path: JOBS, scope: 'orch:operate', jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: JOBS, scope: 'orch:read', query: ['status', 'jobType', 'project', 'created_after', 'created_before', ...PAGE] },
  { service: 'api', method: 'POST', path: `${JOBS}/batch`, scope: 'orch:operate', jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: `${JOBS}/summary`, scope: 'orch:read', query: ['project', 'created_after', 'created_before'] },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}`, scope: 'orch:read', id: 'job' },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}/events`, scope: 'orch:read', id: 'job' },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}/logs`, scope: 'orch:read', id: 'job', query: ['limit'] },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}/artifacts`, scope: 'orch:read', id: 'job' },
  { service: 'api', method: 'GET', path: '/api/v1/artifacts/{id}/content', scope: 'orch:read', id: 'artifact' },
  { service: 'api', method: 'POST', path: `${JOBS}/{id}/cancel`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'job' },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}/detail`, scope: 'orch:read', id: 'job' },
  { service: 'api', method: 'GET', path: `${JOBS}/{id}/explain`, scope: 'orch:read', id: 'job' },
  { service: 'api', method: 'POST', path: `${JOBS}/{id}/replay`, scope: 'orch:operate', operator: true, jsonBody: true, idempotent: true, id: 'job', emptyObjectValid: true },
  { service: 'api', method: 'GET', path: DEAD_LETTERS, scope: 'orch:read', query: [...DL_FILTER, 'errorCode', 'replayed', ...PAGE] },
  { service: 'api', method: 'GET', path: `${DEAD_LETTERS}/stats`, scope: 'orch:read', query: DL_FILTER },
  { service: 'api', method: 'GET', path: `${DEAD_LETTERS}/{id}`, scope: 'orch:read', id: 'dead-letter' },
  { service: 'api', method: 'POST', path: `${DEAD_LETTERS}/replay`, scope: 'orch:operate', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'POST', path: `${DEAD_LETTERS}/purge`, scope: 'orch:operate', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: '/api/v1/audit', scope: 'orch:read', query: ['action', 'targetType', 'targetId', 'project', 'from', 'to', ...PAGE] },
  { service: 'api', method: 'POST', path: WEBHOOKS, scope: 'orch:operate', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: WEBHOOKS, scope: 'orch:read', query: PAGE },
  { service: 'api', method: 'GET', path: `${WEBHOOKS}/{id}`, scope: 'orch:read', id: 'webhook' },
  { service: 'api', method: 'PATCH', path: `${WEBHOOKS}/{id}`, scope: 'orch:operate', operator: true, jsonBody: true, id: 'webhook' },
  { service: 'api', method: 'DELETE', path: `${WEBHOOKS}/{id}`, scope: 'orch:operate', operator: true, id: 'webhook' },
  { service: 'api', method: 'GET', path: `${WEBHOOKS}/{id}/deliveries`, scope: 'orch:read', id: 'webhook', query: ['status', ...PAGE] },
  { service: 'api', method: 'POST', path: `${WEBHOOKS}/deliveries/{deliveryId}/redeliver`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'delivery' },
  { service: 'api', method: 'POST', path: SCHEDULES, scope: 'orch:operate', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: SCHEDULES, scope: 'orch:read', query: PAGE },
  { service: 'api', method: 'GET', path: `${SCHEDULES}/{id}`, scope: 'orch:read', id: 'schedule', query: ['next'] },
  { service: 'api', method: 'PATCH', path: `${SCHEDULES}/{id}`, scope: 'orch:operate', operator: true, jsonBody: true, id: 'schedule' },
  { service: 'api', method: 'POST', path: `${SCHEDULES}/{id}/pause`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'schedule' },
  { service: 'api', method: 'POST', path: `${SCHEDULES}/{id}/resume`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'schedule' },
  { service: 'api', method: 'DELETE', path: `${SCHEDULES}/{id}`, scope: 'orch:operate', operator: true, id: 'schedule' },
  { service: 'api', method: 'POST', path: RUNS, scope: 'orch:operate', jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: RUNS, scope: 'orch:read', query: PAGE },
  { service: 'api', method: 'GET', path: `${RUNS}/{id}`, scope: 'orch:read', id: 'run' },
  { service: 'api', method: 'POST', path: `${RUNS}/{id}/cancel`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'run' },
  { service: 'api', method: 'POST', path: `${RUNS}/{id}/replay`, scope: 'orch:operate', operator: true, noBody: true, idempotent: true, id: 'run' },
  { service: 'api', method: 'GET', path: `${LIMITS}/rules`, scope: 'orch:read', query: ['kind'] },
  { service: 'api', method: 'POST', path: `${LIMITS}/rules`, scope: 'orch:quota', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: `${LIMITS}/rules/{id}`, scope: 'orch:read', id: 'limit-rule' },
  { service: 'api', method: 'DELETE', path: `${LIMITS}/rules/{id}`, scope: 'orch:quota', operator: true, id: 'limit-rule' },
  { service: 'api', method: 'GET', path: `${LIMITS}/pauses`, scope: 'orch:read', query: ['active'] },
  { service: 'api', method: 'POST', path: `${LIMITS}/pauses`, scope: 'orch:quota', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'DELETE', path: `${LIMITS}/pauses/{id}`, scope: 'orch:quota', operator: true, id: 'pause' },
  { service: 'api', method: 'POST', path: BACKFILLS, scope: 'orch:backfill', operator: true, jsonBody: true, idempotent: true },
  { service: 'api', method: 'GET', path: BACKFILLS, scope: 'orch:read', query: PAGE },
  { service: 'api', method: 'GET', path: `${BACKFILLS}/{id}`, scope: 'orch:read', id: 'backfill' },
  { service: 'api', method: 'POST', path: `${BACKFILLS}/{id}/pause`, scope: 'orch:backfill', operator: true, noBody: true, idempotent: true, id: 'backfill' },
  { service: 'api', method: 'POST', path: `${BACKFILLS}/{id}/resume`, scope: 'orch:backfill', operator: true, noBody: true, idempotent: true, id: 'backfill' },
  { service: 'api', method: 'POST', path: `${BACKFILLS}/{id}/cancel`, scope: 'orch:backfill', operator: true, noBody: true, idempotent: true, id: 'backfill' },
  { service: 'api', method: 'GET', path: '/api/v1/quotas/remaining', scope: 'orch:read', query: ['jobType', 'project', 'source'] },
  { service: 'api', method: 'POST', path: '/api/v1/exports', scope: 'orch:operate', operator: true, noBody: true, idempotent: true },
  { service: 'event-notifier', method: 'GET', path: '/api/v1/events/stream', scope: 'orch:read', stream: 'sse' },
  { service: 'event-notifier', method: 'GET', path: '/api/v1/events/ws', scope: 'orch:read', stream: 'ws' },
  { service: 'event-notifier', method: 'GET', path: `${JOBS}/{id}/logs/stream`, scope: 'orch:read', id: 'job', stream: 'sse' },
];

/** `POST /api/v1/jobs`: how routes are named in failures and in the tally. */
export function routeKey(r: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${r.method} ${r.path}`;
}

/** The route's path with its parameter set to `id` (encoded) and `query` appended. */
export function routePath(r: RouteSpec, id?: string, query = ''): string {
  const p = r.id === undefined ? r.path : r.path.replace(/\{[A-Za-z]+\}/, encodeURIComponent(id ?? ''));
  return query ? `${p}?${query}` : p;
}

/** Routes a completeness check leaves out: probes, discovery and the static dashboard. */
export const UNTABLED_ROUTES = /^(\/healthz|\/readyz|\/\.well-known\/|\/dashboard)/;

/** One route a service registered. */
export interface ServedRoute {
  service: Service;
  method: string;
  path: string;
}

/**
 * The routes `service` registers, read from Nest's own route table: the service
 * runs as a process at log level info (with the cluster's environment, on a
 * port of its own) and prints `Mapped {/path, METHOD} route` per route as the
 * router registers it; it is stopped again right after.
 */
export async function servedRoutes(service: Service, env: Record<string, string>): Promise<ServedRoute[]> {
  const { HTTP_PORT: _port, ...rest } = env;
  const proc = await startService(service, { ...rest, LOG_LEVEL: 'info' });
  try {
    const mapped = [...proc.output().matchAll(/Mapped \{([^,}]+), ([A-Z]+)\} route/g)];
    return mapped.map(([, path, method]) => ({ service, method, path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') }));
  } finally {
    await proc.stop();
  }
}
