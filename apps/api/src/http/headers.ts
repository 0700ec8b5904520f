import { ID_TOKEN_PATTERN, JobLimits, OrchError } from '@orch/contracts';

/** Sent on every response; bump the minor for additive changes, the major with a new base path. */
export const API_VERSION = '1.0';
export const API_VERSION_HEADER = 'X-Orch-Api-Version';
/** Tenant of a read, until tokens carry it (Node lower-cases incoming header names). */
export const TENANT_HEADER = 'x-orch-tenant';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set to `true` on a 200 that answers a repeated submit from the idempotency record. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** Printable ASCII (space to tilde), 1–200 characters. */
const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${JobLimits.idempotencyKeyMaxLength}}$`);

type HeaderValue = string | string[] | undefined;

function single(name: string, raw: HeaderValue): string | undefined {
  if (Array.isArray(raw)) {
    if (raw.length > 1) throw invalidHeader(name, 'must be sent once');
    return raw[0];
  }
  return raw;
}

function invalidHeader(name: string, message: string): OrchError {
  return new OrchError('validation', `${name} ${message}`, { errors: [{ path: name, message: `${name} ${message}` }] });
}

/**
 * The tenant a read acts for, from `X-Orch-Tenant`.
 * @throws OrchError `tenant_required` (400) when absent; `validation_failed` when malformed.
 */
export function parseTenantHeader(raw: HeaderValue): string {
  const value = single('X-Orch-Tenant', raw);
  if (value === undefined || value === '') {
    throw new OrchError('tenantRequired', 'the X-Orch-Tenant header is required');
  }
  if (!ID_TOKEN_PATTERN.test(value)) throw invalidHeader('X-Orch-Tenant', `must match ${ID_TOKEN_PATTERN.source}`);
  return value;
}

/**
 * The caller's `Idempotency-Key`, or undefined when none was sent.
 * @throws OrchError `validation_failed` unless it is 1–200 printable ASCII characters.
 */
export function parseIdempotencyKey(raw: HeaderValue): string | undefined {
  const value = single('Idempotency-Key', raw);
  if (value === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw invalidHeader('Idempotency-Key', `must be 1-${JobLimits.idempotencyKeyMaxLength} printable ASCII characters`);
  }
  return value;
}

/** Media types the JSON body parser reads: `application/json` and `application/*+json`. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** Whether a Content-Type header names JSON (parameters such as charset are ignored). */
export function isJsonContentType(raw: HeaderValue): boolean {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return false;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(type);
}
