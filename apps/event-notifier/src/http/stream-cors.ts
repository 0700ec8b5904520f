import type { NextFunction, Request, Response } from 'express';

/**
 * `CORS_ORIGINS`: a comma-separated list of origins (`scheme://host[:port]`, no
 * path); white space around the commas is allowed.
 */
export const CORS_ORIGINS_PATTERN = /^\s*https?:\/\/[^\s/,?#@]+\/?\s*(,\s*https?:\/\/[^\s/,?#@]+\/?\s*)*$/;

/**
 * The routes other origins may read: the notifier-event stream and a job's log
 * stream. Browsers' EventSource reads them with `?access_token=` (no cookies,
 * so no credentials mode); everything else stays same-origin only.
 */
export const CORS_STREAM_ROUTE = /^\/api\/v1\/(events\/stream|jobs\/[^/]+\/logs\/stream)\/?$/;

/** Request headers a cross-origin stream request may carry (EventSource sends Last-Event-ID when it reconnects). */
export const CORS_ALLOWED_HEADERS = 'Last-Event-ID, Authorization, X-Orch-Tenant';
/** How long a browser may cache a preflight answer (seconds). */
export const CORS_MAX_AGE_S = 600;

/** Parses `CORS_ORIGINS` into normalised origins (lower-case scheme and host, default port dropped). */
export function parseCorsOrigins(raw: string): Set<string> {
  return new Set(
    raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => new URL(o).origin),
  );
}

/** What the CORS step does with one request. */
export type CorsDecision =
  /** Not a cross-origin stream request: pass it on untouched. */
  | { kind: 'pass' }
  /** Pass it on with these response headers. */
  | { kind: 'allow'; headers: Record<string, string> }
  /** A preflight: answer 204 with these headers (none for an origin that is not allowed, which the browser then refuses). */
  | { kind: 'preflight'; headers: Record<string, string> };

/** Decides CORS for a request (pure; `path` without the query string). */
export function corsDecision(req: { method: string; path: string; origin?: string; requestMethod?: string }, allowed: ReadonlySet<string>): CorsDecision {
  if (req.origin === undefined || !CORS_STREAM_ROUTE.test(req.path)) return { kind: 'pass' };
  const ok = allowed.has(req.origin);
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (ok) headers['Access-Control-Allow-Origin'] = req.origin;
  if (req.method === 'OPTIONS' && req.requestMethod !== undefined) {
    if (ok && req.requestMethod === 'GET') {
      headers['Access-Control-Allow-Methods'] = 'GET';
      headers['Access-Control-Allow-Headers'] = CORS_ALLOWED_HEADERS;
      headers['Access-Control-Max-Age'] = String(CORS_MAX_AGE_S);
    }
    return { kind: 'preflight', headers };
  }
  return ok && (req.method === 'GET' || req.method === 'HEAD') ? { kind: 'allow', headers } : { kind: 'pass' };
}

/**
 * Express middleware allowing `allowed` origins to GET the stream routes
 * ({@link corsDecision}); registered before the routes, so 401/403 problem
 * bodies of those routes are readable cross-origin too.
 */
export function streamCors(allowed: ReadonlySet<string>): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const origin = req.headers.origin;
    const requestMethod = req.headers['access-control-request-method'];
    const path = req.originalUrl.split('?')[0];
    const decision = corsDecision(
      { method: req.method, path, ...(origin ? { origin } : {}), ...(typeof requestMethod === 'string' ? { requestMethod } : {}) },
      allowed,
    );
    if (decision.kind === 'pass') return next();
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    if (decision.kind === 'preflight') {
      res.status(204).end();
      return;
    }
    next();
  };
}
