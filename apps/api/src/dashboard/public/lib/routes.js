// @ts-check
// Hash routes of the single-page app (`#/jobs?status=queued`, `#/jobs/<id>`) and the URLs it calls.

/** @typedef {'overview' | 'jobs' | 'job' | 'live' | 'audit' | 'not-found'} RouteName */

/**
 * @typedef {object} Route
 * @property {RouteName} name
 * @property {string} [id]                   the job id of `job`
 * @property {Record<string, string>} query  non-empty query parameters
 */

const JOB_ID = /^[0-9a-fA-F-]{36}$/;

/**
 * Reads a route from `location.hash`.
 * @param {string} hash
 * @returns {Route}
 */
export function parseRoute(hash) {
  const raw = hash.replace(/^#/, '');
  const [path, search = ''] = raw.split('?', 2);
  /** @type {Record<string, string>} */
  const query = {};
  for (const [k, v] of new URLSearchParams(search)) if (v !== '') query[k] = v;
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'overview')) return { name: 'overview', query };
  if (segments[0] === 'jobs' && segments.length === 1) return { name: 'jobs', query };
  if (segments[0] === 'jobs' && segments.length === 2 && JOB_ID.test(segments[1])) return { name: 'job', id: segments[1].toLowerCase(), query };
  if (segments.length === 1 && (segments[0] === 'live' || segments[0] === 'audit')) return { name: segments[0], query };
  return { name: 'not-found', query };
}

/**
 * The hash of a route: `#/jobs?status=queued`.
 * @param {RouteName} name
 * @param {{ id?: string, query?: Record<string, string | undefined> }} [opts]
 */
export function routeHash(name, opts = {}) {
  const path = name === 'job' ? `/jobs/${opts.id}` : `/${name}`;
  return `#${path}${queryString(opts.query ?? {})}`;
}

/**
 * `?a=1&b=2` without empty values, or `''`.
 * @param {Record<string, string | number | undefined | null>} params
 */
export function queryString(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

/**
 * Absolute URL of an event-notifier stream route. EventSource cannot send headers, so the token
 * (and, for tokens of several tenants, the tenant) go in the query (ADR 0006).
 * @param {string} eventsUrl  `config.json`'s `eventsUrl`: an absolute URL, a path, or `''`
 * @param {string} path       e.g. `api/v1/events/stream`
 * @param {Record<string, string | undefined>} params  access_token, tenant, filters
 * @param {string} pageHref   `location.href`, to resolve a path-only `eventsUrl` against
 */
export function streamUrl(eventsUrl, path, params, pageHref) {
  const base = eventsUrl === '' ? '/' : eventsUrl.replace(/\/*$/, '/');
  return new URL(`${base}${path.replace(/^\//, '')}${queryString(params)}`, pageHref).href;
}

/**
 * The API base, derived from where the page is (`…/dashboard/` → `…/api/v1/`), so a proxy that
 * mounts the api under a prefix needs no setting.
 * @param {string} pageHref
 */
export function apiBaseUrl(pageHref) {
  return new URL('../api/v1/', new URL('.', pageHref)).href;
}
