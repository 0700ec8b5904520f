import { DeliveryView, OrchError, WebhookLimits, WebhookView } from '@orch/contracts';
import type { DeliveryRow, WebhookRow } from '@orch/persistence';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A webhook row as commands return it (the secret is not in the row). */
export function toWebhookView(w: WebhookRow): WebhookView {
  return {
    id: w.id,
    tenant: w.tenant,
    url: w.url,
    projects: w.projects,
    eventTypes: w.eventTypes,
    description: w.description,
    enabled: w.enabled,
    createdAt: w.createdAt.toISOString(),
    createdBy: w.createdBy,
    updatedAt: w.updatedAt.toISOString(),
  };
}

/** A delivery row with its attempts as commands return it. */
export function toDeliveryView(d: DeliveryRow): DeliveryView {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    attemptLog: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
    })),
  };
}

/** An opaque cursor: base64url of the last id of a page (ids are UUIDv7, listed newest first). */
export function encodeCursor(lastId: string | null): string | null {
  return lastId === null ? null : Buffer.from(lastId, 'utf8').toString('base64url');
}

/**
 * The id inside a cursor.
 * @throws OrchError `validation_failed` (path `cursor`) for anything {@link encodeCursor} did not produce.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = cursor.length <= WebhookLimits.cursorMaxLength ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!UUID_PATTERN.test(id)) {
    const message = 'cursor is not a nextCursor this service returned';
    throw new OrchError('validation', message, { retryable: false, errors: [{ path: 'cursor', message }] });
  }
  return id;
}
