/** Longest Retry-After taken from an upstream (a day); longer values are cut to it. */
export const RETRY_AFTER_MAX_MS = 86_400_000;

/**
 * An HTTP `Retry-After` value as milliseconds from `now` (RFC 9110 §10.2.3): delay-seconds
 * (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`). A date in the past is 0; a missing
 * or unreadable value is undefined; anything past a day is a day.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(RETRY_AFTER_MAX_MS, Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, at - now));
}
