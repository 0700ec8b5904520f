// @ts-check
// API errors as the dashboard shows them. The API answers application/problem+json (RFC 9457)
// with a stable `code`; anything else (a proxy's HTML page, a network failure) is folded into the
// same shape so every view renders errors one way.

/**
 * @typedef {object} Problem
 * @property {number} status       HTTP status, 0 when no answer arrived
 * @property {string} title
 * @property {string} detail
 * @property {string} code         stable error code (`not_found`, `rate_limited`, …)
 * @property {string} [traceId]
 * @property {number} [retryAfterSeconds]  from `Retry-After` (429, 503)
 * @property {{ path: string, message: string }[]} [errors]  per-field problems
 */

/**
 * `Retry-After` in seconds: delta-seconds or an HTTP date.
 * @param {string | null | undefined} value
 * @param {number} now  epoch ms
 * @returns {number | undefined}
 */
export function parseRetryAfter(value, now) {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Builds a {@link Problem} from an error response.
 * @param {{ status: number, statusText?: string, contentType?: string | null, body: string, retryAfter?: string | null }} res
 * @param {number} [now]
 * @returns {Problem}
 */
export function problemFromResponse(res, now = Date.now()) {
  /** @type {Record<string, unknown>} */
  let body = {};
  if (/json/i.test(res.contentType ?? '')) {
    try {
      const parsed = JSON.parse(res.body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed;
    } catch {
      // A broken body still gets the status-based problem below.
    }
  }
  const str = (/** @type {unknown} */ v) => (typeof v === 'string' && v !== '' ? v : undefined);
  /** @type {Problem} */
  const problem = {
    status: res.status,
    title: str(body.title) ?? (res.statusText || `HTTP ${res.status}`),
    detail: str(body.detail) ?? str(body.message) ?? (res.body && !/json|html/i.test(res.contentType ?? '') ? res.body.slice(0, 300) : ''),
    code: str(body.code) ?? `http_${res.status}`,
  };
  const traceId = str(body.traceId);
  if (traceId) problem.traceId = traceId;
  const retryAfterSeconds = parseRetryAfter(res.retryAfter, now);
  if (retryAfterSeconds !== undefined) problem.retryAfterSeconds = retryAfterSeconds;
  if (Array.isArray(body.errors)) {
    problem.errors = body.errors
      .filter((e) => e && typeof e === 'object')
      .map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }));
  }
  return problem;
}

/**
 * The problem of a request that got no answer (network down, CORS refused, aborted).
 * @param {unknown} err
 * @returns {Problem}
 */
export function networkProblem(err) {
  const message = err instanceof Error ? err.message : String(err);
  return { status: 0, title: 'No answer from the API', detail: message, code: 'network_error' };
}

/**
 * One line for a problem: `Title (404 not_found): detail. Retry after 3 s.`
 * @param {Problem} p
 */
export function describeProblem(p) {
  const where = p.status ? `${p.status} ${p.code}` : p.code;
  let text = `${p.title} (${where})`;
  if (p.detail) text += `: ${p.detail}`;
  if (p.retryAfterSeconds !== undefined) text += `${/[.!?]$/.test(text) ? '' : '.'} Retry after ${p.retryAfterSeconds} s.`;
  return text;
}
