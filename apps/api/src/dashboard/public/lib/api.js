// @ts-check
// The dashboard's API client: bearer token, tenant selection, problem+json errors.
import { networkProblem, problemFromResponse } from './problem.js';
import { queryString } from './routes.js';

/** @typedef {import('./problem.js').Problem} Problem */

/** A failed API call, carrying the problem to show. */
export class ApiError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

/**
 * @typedef {object} ApiOptions
 * @property {string} baseUrl       absolute, ending in `/api/v1/`
 * @property {string} token
 * @property {string} [tenant]      sent as `X-Orch-Tenant` (tokens of several tenants)
 * @property {typeof fetch} [fetchImpl]
 * @property {(problem: Problem) => void} [onUnauthorized]  a 401: the token is gone or bad
 */

/**
 * @typedef {object} Api
 * @property {(path: string, query?: Record<string, string | number | undefined>) => Promise<any>} get
 * @property {(path: string, opts?: { headers?: Record<string, string>, body?: unknown }) => Promise<any>} post
 */

/**
 * A client for the API at `baseUrl`. Every failure is an {@link ApiError}; a 401 also calls
 * `onUnauthorized` first, so the app can return to sign-in wherever the call was made.
 * @param {ApiOptions} opts
 * @returns {Api}
 */
export function createApi(opts) {
  const fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init));

  /**
   * @param {string} method
   * @param {string} path  relative to the base, e.g. `jobs/<id>`
   * @param {{ headers?: Record<string, string>, body?: unknown }} [init]
   */
  async function call(method, path, init = {}) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json', Authorization: `Bearer ${opts.token}`, ...init.headers };
    if (opts.tenant) headers['X-Orch-Tenant'] = opts.tenant;
    /** @type {RequestInit} */
    const req = { method, headers, cache: 'no-store' };
    if (init.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      req.body = JSON.stringify(init.body);
    }
    let res;
    try {
      res = await fetchImpl(new URL(path, opts.baseUrl).href, req);
    } catch (err) {
      throw new ApiError(networkProblem(err));
    }
    const text = await res.text();
    if (!res.ok) {
      const problem = problemFromResponse({
        status: res.status,
        statusText: res.statusText,
        contentType: res.headers.get('content-type'),
        body: text,
        retryAfter: res.headers.get('retry-after'),
      });
      if (res.status === 401) opts.onUnauthorized?.(problem);
      throw new ApiError(problem);
    }
    return text ? JSON.parse(text) : null;
  }

  return {
    get: (path, query = {}) => call('GET', `${path}${queryString(query)}`),
    post: (path, init) => call('POST', path, init),
  };
}

/**
 * A fresh `Idempotency-Key` (`dashboard-<random>`). `crypto.randomUUID` needs a secure context;
 * `getRandomValues` works on plain http too.
 */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
