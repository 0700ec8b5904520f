import { WebhookHeaders, WebhookLimits } from '@orch/contracts';
import type { AttemptRecord, ClaimedDelivery } from '@orch/persistence';
import { isDeliverySuccess, responseExcerpt } from './delivery-schedule';
import { signWebhookBody } from './webhook-signature';

/** `User-Agent` of webhook requests. */
export const WEBHOOK_USER_AGENT = 'orch-webhooks/1';
/** Longest error text stored with an attempt. */
export const ATTEMPT_ERROR_MAX_LENGTH = 1_024;

/** The request headers of one attempt, signed at `nowSeconds`. */
export function webhookRequestHeaders(d: ClaimedDelivery, nowSeconds: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': WEBHOOK_USER_AGENT,
    [WebhookHeaders.eventId]: d.eventId,
    [WebhookHeaders.eventType]: d.eventType,
    [WebhookHeaders.deliveryId]: d.id,
    [WebhookHeaders.attempt]: String(d.attempt),
    [WebhookHeaders.signature]: signWebhookBody(d.secret, d.body, nowSeconds),
  };
}

/** A finished attempt and whether it delivered. */
export interface AttemptOutcome extends AttemptRecord {
  delivered: boolean;
}

/**
 * POSTs one attempt of a delivery and reports what happened; never throws.
 * Redirects are not followed (a 3xx is a failure: the endpoint must be
 * registered where it answers). `timeoutMs` bounds the whole exchange, the
 * response excerpt included.
 */
export async function sendWebhookAttempt(d: ClaimedDelivery, timeoutMs: number): Promise<AttemptOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: webhookRequestHeaders(d, Math.floor(startedAt.getTime() / 1000)),
      body: d.body,
      redirect: 'manual',
      signal,
    });
    const excerpt = responseExcerpt(await readPrefix(res, WebhookLimits.responseExcerptMaxBytes));
    const delivered = isDeliverySuccess(res.status);
    return {
      delivered,
      startedAt,
      durationMs: elapsed(),
      statusCode: res.status,
      error: delivered ? null : `HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`,
      responseExcerpt: excerpt,
    };
  } catch (err) {
    return { delivered: false, startedAt, durationMs: elapsed(), statusCode: null, error: describeFailure(err, signal, timeoutMs), responseExcerpt: null };
  }
}

/** The first `maxBytes` of the body; a body that breaks off (timeout, reset) keeps what arrived. */
async function readPrefix(res: Response, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // The status already decided the outcome; a partial excerpt is enough.
  } finally {
    // Releases the connection without reading the rest of a large body.
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

function describeFailure(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timeout: no complete answer within ${timeoutMs} ms`;
  const e = err as (Error & { cause?: { code?: unknown; message?: unknown } }) | undefined;
  const code = typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const detail = typeof e?.cause?.message === 'string' ? e.cause.message : (e?.message ?? String(err));
  return `network error: ${code && !detail.includes(code) ? `${code} ` : ''}${detail}`.slice(0, ATTEMPT_ERROR_MAX_LENGTH);
}
