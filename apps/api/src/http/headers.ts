import { JobLimits, OrchError } from '@orch/contracts';

/** Sent on every response; bump the minor for additive changes, the major with a new base path. */
export const API_VERSION = '1.0';
export const API_VERSION_HEADER = 'X-Orch-Api-Version';
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
