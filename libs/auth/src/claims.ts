import { ALL_SCOPES, ID_TOKEN_PATTERN, OrchError, Scope } from '@orch/contracts';

/** What a verified token says about its bearer, before a tenant is chosen for the request. */
export interface TokenClaims {
  /** `sub`. */
  subject: string;
  /** The Orch scopes the token grants (others are ignored), in {@link ALL_SCOPES} order. */
  scopes: Scope[];
  /** The tenants the token may act for (`tenant` and/or `tenants`), deduplicated, in claim order. */
  tenants: string[];
  /** `exp` in epoch milliseconds, when the token has one. */
  expiresAt?: number;
}

/** Longest `sub` accepted (it is written to the audit log as `OperatorContext.subject`). */
export const SUBJECT_MAX_LENGTH = 256;
/** Most tenants one token may list. */
export const TOKEN_TENANTS_MAX = 100;

function invalid(detail: string): OrchError {
  return new OrchError('unauthorized', `invalid token: ${detail}`, { retryable: false });
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return value.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw invalid(`the ${claim} claim must be a string or an array of strings`);
}

/**
 * Reads Orch's claims from a verified JWT payload.
 *
 * - subject: `sub` (required, 1–256 characters);
 * - scopes: `scope` (space-separated string, RFC 8693), `scp` and `scopes`
 *   (arrays, or space-separated strings) — the union; scopes Orch does not know
 *   are dropped, which keeps audit records small and meaningful;
 * - tenants: `tenant` (one id) and/or `tenants` (array of ids), each a valid
 *   tenant id (a single NATS subject token).
 *
 * @throws OrchError `unauthorized` when a claim has the wrong shape.
 */
export function readClaims(payload: Record<string, unknown>): TokenClaims {
  const sub = payload['sub'];
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > SUBJECT_MAX_LENGTH) {
    throw invalid(`the sub claim must be a string of 1-${SUBJECT_MAX_LENGTH} characters`);
  }
  const granted = new Set([...stringList(payload['scope'], 'scope'), ...stringList(payload['scp'], 'scp'), ...stringList(payload['scopes'], 'scopes')]);
  const scopes = ALL_SCOPES.filter((s) => granted.has(s));

  const tenants: string[] = [];
  const single = payload['tenant'];
  if (single !== undefined) {
    if (typeof single !== 'string') throw invalid('the tenant claim must be a string');
    tenants.push(single);
  }
  const many = payload['tenants'];
  if (many !== undefined) {
    if (!Array.isArray(many) || !many.every((t) => typeof t === 'string')) throw invalid('the tenants claim must be an array of strings');
    tenants.push(...(many as string[]));
  }
  const unique = [...new Set(tenants)];
  if (unique.length > TOKEN_TENANTS_MAX) throw invalid(`a token may list at most ${TOKEN_TENANTS_MAX} tenants`);
  for (const t of unique) {
    if (!ID_TOKEN_PATTERN.test(t)) throw invalid(`tenant ids must match ${ID_TOKEN_PATTERN.source}`);
  }
  const exp = payload['exp'];
  return { subject: sub, scopes, tenants: unique, ...(typeof exp === 'number' ? { expiresAt: exp * 1000 } : {}) };
}
