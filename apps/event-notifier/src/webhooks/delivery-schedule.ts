import { WebhookLimits } from '@orch/contracts';
import { BackoffPolicy, backoffCeilingMs, backoffMs } from '@orch/domain';
import type { DeliveryNext } from '@orch/persistence';

/** Retry policy of webhook deliveries (from config). */
export interface DeliveryRetryPolicy {
  /** Attempts per round (a redelivery starts a new round). */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/** Jitter of webhook retries: equal jitter, as for job retries. */
export const WEBHOOK_BACKOFF_JITTER = 0.5;

/** Only a 2xx answer counts as delivered (a 3xx is not followed and counts as a failure). */
export function isDeliverySuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode <= 299;
}

/**
 * Where a delivery goes after attempt `roundAttempt` (1-based, within its
 * round): succeeded; or failed and due again after `backoffMs(roundAttempt)`;
 * or dead once the round's attempts are used up.
 */
export function nextAfterAttempt(roundAttempt: number, succeeded: boolean, policy: DeliveryRetryPolicy, random: () => number = Math.random): DeliveryNext {
  if (succeeded) return { status: 'succeeded' };
  if (roundAttempt >= policy.maxAttempts) return { status: 'dead' };
  return { status: 'failed', delayMs: backoffMs(roundAttempt, policy.backoff, random) };
}

/**
 * The un-jittered wait before each retry of a round (`maxAttempts - 1`
 * entries); the actual wait is between half of it and all of it.
 */
export function retryCeilingsMs(policy: DeliveryRetryPolicy): number[] {
  return Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, (_, i) => backoffCeilingMs(i + 1, policy.backoff));
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * A receiver's response body as stored with the attempt: at most `maxBytes`
 * UTF-8 bytes (a character cut in half is dropped), NULs removed (PostgreSQL
 * text cannot hold them); null when empty.
 */
export function responseExcerpt(bytes: Uint8Array, maxBytes: number = WebhookLimits.responseExcerptMaxBytes): string | null {
  let text = decoder.decode(bytes.subarray(0, maxBytes)).replace(/\0/g, '');
  // A truncated multi-byte sequence decodes to U+FFFD (3 bytes): drop it, and anything still over the limit.
  if (bytes.length > maxBytes) text = text.replace(/\uFFFD+$/, '');
  while (Buffer.byteLength(text, 'utf8') > maxBytes) text = text.slice(0, -1);
  return text.length > 0 ? text : null;
}
