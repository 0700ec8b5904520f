/**
 * `X-Orch-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The key is the webhook secret as UTF-8 bytes (the whole `whsec_…` string).
 * The timestamp is signed with the body so a captured request cannot be
 * replayed outside the receiver's tolerance window.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Default replay window receivers should allow between `t` and their clock. */
export const WEBHOOK_SIGNATURE_TOLERANCE_DEFAULT_S = 300;
/** Prefix of generated secrets (recognisable in leak scanners). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Random bytes in a generated secret. */
export const WEBHOOK_SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64url')}`;
}

/** Hex HMAC-SHA256 of `"<t>.<body>"` under `secret`. */
export function webhookSignatureV1(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The `X-Orch-Signature` header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${webhookSignatureV1(secret, timestamp, body)}`;
}

/** Result of {@link verifyWebhookSignature}. */
export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver does: parse the header, recompute the HMAC over the RAW body
 * (before any JSON parsing), compare in constant time against every `v1`
 * (several may be present while secrets rotate), and refuse a timestamp
 * further than `toleranceSeconds` from its own clock (replay protection).
 */
export function verifyWebhookSignature(input: {
  secret: string;
  header: string | undefined;
  body: string;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: 'missing signature header' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of input.header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp (t=) in the signature header' };
  if (candidates.length === 0) return { ok: false, reason: 'no v1 signature in the signature header' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_SIGNATURE_TOLERANCE_DEFAULT_S;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: `timestamp ${timestamp} is outside the ${tolerance} s tolerance` };
  const expected = Buffer.from(webhookSignatureV1(input.secret, timestamp, input.body), 'hex');
  const match = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: 'signature does not match' };
}
