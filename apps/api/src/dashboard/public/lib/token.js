// @ts-check
// Bearer tokens in the browser: where they come from (the URL fragment, the sign-in form) and what
// they say. Decoding is for display only: the API verifies every request.

/**
 * What the dashboard shows about its token.
 * @typedef {object} Principal
 * @property {string} subject
 * @property {string[]} tenants  the token's tenants (`tenant` and/or `tenants`)
 * @property {string[]} scopes   Orch scopes from `scope`, `scp` or `scopes`
 * @property {number | null} expiresAt  epoch ms, null without `exp`
 */

/** Thrown for a string that is not a JWT with a JSON payload. */
export class TokenFormatError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'TokenFormatError';
  }
}

/**
 * Strips white space and an optional `Bearer ` prefix (people paste whole headers).
 * @param {string} raw
 */
export function cleanToken(raw) {
  return raw.trim().replace(/^Bearer\s+/i, '').replace(/\s+/g, '');
}

/**
 * The payload of a compact JWS, without verifying anything.
 * @param {string} token
 * @returns {Record<string, unknown>}
 */
export function decodeJwtPayload(token) {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[1]) {
    throw new TokenFormatError('not a JWT: expected three base64url parts separated by dots');
  }
  let json;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    json = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new TokenFormatError('not a JWT: the payload is not base64url-encoded UTF-8');
  }
  let payload;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new TokenFormatError('not a JWT: the payload is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TokenFormatError('not a JWT: the payload is not a JSON object');
  }
  return payload;
}

/** @param {unknown} v @returns {string[]} */
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/**
 * Reads the claims the API reads (ADR 0006): scopes from `scope` (space-separated), `scp` and
 * `scopes`; tenants from `tenant` and `tenants`.
 * @param {Record<string, unknown>} claims
 * @returns {Principal}
 */
export function principalFromClaims(claims) {
  const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  const scopes = [...new Set([...scope, ...strings(claims.scp), ...strings(claims.scopes)])].filter((s) => s.startsWith('orch:'));
  const tenants = [...new Set([...(typeof claims.tenant === 'string' ? [claims.tenant] : []), ...strings(claims.tenants)])];
  return {
    subject: typeof claims.sub === 'string' ? claims.sub : '(no subject)',
    tenants,
    scopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
  };
}

/**
 * Takes `token=…` out of a URL fragment (`#token=…`, `#/jobs&token=…`) so it can be stored and the
 * address bar cleaned; `rest` is the fragment without it (`''` when nothing else was there).
 * @param {string} hash  `location.hash`, with or without its `#`
 * @returns {{ token: string | null, rest: string }}
 */
export function takeFragmentToken(hash) {
  const parts = hash.replace(/^#/, '').split('&');
  const found = parts.find((p) => p.startsWith('token='));
  if (found === undefined) return { token: null, rest: hash.replace(/^#/, '') };
  let token;
  try {
    token = decodeURIComponent(found.slice('token='.length));
  } catch {
    token = found.slice('token='.length);
  }
  return { token: token || null, rest: parts.filter((p) => p !== found).join('&') };
}

/**
 * @param {Principal} principal
 * @param {number} now  epoch ms
 */
export function isExpired(principal, now) {
  return principal.expiresAt !== null && principal.expiresAt <= now;
}

/**
 * @param {Principal} principal
 * @param {string} scope
 */
export function hasScope(principal, scope) {
  return principal.scopes.includes(scope);
}
