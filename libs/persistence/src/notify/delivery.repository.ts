import type { DeliveryStatus } from '@orch/contracts';
import type { Queryable } from '../ledger.repository';
import { queryRows } from './query-rows';

/** A delivery to create: its id and the webhook it goes to. */
export interface DeliveryTarget {
  id: string;
  webhookId: string;
}

/** A delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  tenant: string;
  eventId: string;
  eventType: string;
  body: string;
  /** This attempt's number (1-based, counting every attempt of the delivery). */
  attempt: number;
  /** This attempt's number within the current round (redelivery starts a new round). */
  roundAttempt: number;
  url: string;
  secret: string;
}

/** What one HTTP attempt produced. */
export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** Where a delivery goes after an attempt. */
export type DeliveryNext = { status: 'succeeded' } | { status: 'failed'; delayMs: number } | { status: 'dead' };

/** A recorded attempt. */
export interface DeliveryAttemptRow extends AttemptRecord {
  attempt: number;
}

/** A delivery as listed (without its body). */
export interface DeliveryRow {
  id: string;
  webhookId: string;
  tenant: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  attemptLog: DeliveryAttemptRow[];
}

/** Outcome of {@link DeliveryRepository.redeliver}. */
export type RedeliverOutcome = { kind: 'redelivered'; delivery: DeliveryRow } | { kind: 'not_found' } | { kind: 'not_eligible'; status: DeliveryStatus };

const DELIVERY_COLUMNS =
  'id, webhook_id, tenant, event_id, event_type, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at';

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

function deliveryFromDb(r: Record<string, unknown>, attemptLog: DeliveryAttemptRow[]): DeliveryRow {
  return {
    id: r['id'] as string,
    webhookId: r['webhook_id'] as string,
    tenant: r['tenant'] as string,
    eventId: r['event_id'] as string,
    eventType: r['event_type'] as string,
    status: r['status'] as DeliveryStatus,
    attempts: Number(r['attempts']),
    nextAttemptAt: date(r['next_attempt_at']),
    lastStatusCode: r['last_status_code'] === null ? null : Number(r['last_status_code']),
    lastError: (r['last_error'] as string | null) ?? null,
    createdAt: date(r['created_at'])!,
    updatedAt: date(r['updated_at'])!,
    attemptLog,
  };
}

/**
 * SQL of webhook deliveries (`notify.deliveries`, `notify.delivery_attempts`):
 * the fan-out's enqueue, the delivery loop's claim and record, and the
 * management reads. Statements are single and atomic; none needs the caller's
 * transaction.
 */
export class DeliveryRepository {
  /**
   * Creates one `pending` delivery, due now, per target in ONE statement.
   * Idempotent on (webhook_id, event_id): a redelivered notifier message
   * creates nothing new. Targets whose webhook was deleted, disabled or is not
   * the tenant's since the caller looked are skipped. Returns how many were created.
   */
  async enqueueDeliveries(
    q: Queryable,
    p: { tenant: string; eventId: string; eventType: string; body: string; targets: DeliveryTarget[] },
  ): Promise<number> {
    if (p.targets.length === 0) return 0;
    const rows = await queryRows(
      q,
      `INSERT INTO notify.deliveries (id, webhook_id, tenant, event_id, event_type, body, status, next_attempt_at)
       SELECT t.id, t.webhook_id, $3, $4::uuid, $5, $6, 'pending', now()
       FROM unnest($1::uuid[], $2::uuid[]) AS t(id, webhook_id)
       JOIN notify.webhooks w ON w.id = t.webhook_id AND w.tenant = $3 AND w.enabled
       ON CONFLICT (webhook_id, event_id) DO NOTHING
       RETURNING id`,
      [p.targets.map((t) => t.id), p.targets.map((t) => t.webhookId), p.tenant, p.eventId, p.eventType, p.body],
    );
    return rows.length;
  }

  /**
   * Claims up to `limit` due deliveries (pending or failed, `next_attempt_at`
   * passed, webhook enabled), earliest first, for one attempt each: `attempts`
   * + 1 and `next_attempt_at` pushed `leaseMs` ahead. The push is the lease: a
   * replica that dies mid-attempt leaves the delivery due again once it ends.
   * `SKIP LOCKED` lets replicas claim disjoint sets.
   * Invariant: the attempt number returned is the fence {@link recordAttempt} checks.
   */
  async claimDueDeliveries(q: Queryable, p: { limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    const rows = await queryRows(
      q,
      `WITH due AS (
         SELECT d.id FROM notify.deliveries d
         WHERE d.status IN ('pending','failed') AND d.next_attempt_at <= now()
           AND EXISTS (SELECT 1 FROM notify.webhooks w WHERE w.id = d.webhook_id AND w.enabled)
         ORDER BY d.next_attempt_at
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED)
       UPDATE notify.deliveries d
       SET attempts = d.attempts + 1, next_attempt_at = now() + $2::int * interval '1 millisecond', updated_at = now()
       FROM due, notify.webhooks w
       WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING d.id, d.webhook_id, d.tenant, d.event_id, d.event_type, d.body, d.attempts, d.round_base, w.url, w.secret`,
      [p.limit, Math.round(p.leaseMs)],
    );
    return rows.map((r) => ({
      id: r['id'] as string,
      webhookId: r['webhook_id'] as string,
      tenant: r['tenant'] as string,
      eventId: r['event_id'] as string,
      eventType: r['event_type'] as string,
      body: r['body'] as string,
      attempt: Number(r['attempts']),
      roundAttempt: Number(r['attempts']) - Number(r['round_base']),
      url: r['url'] as string,
      secret: r['secret'] as string,
    }));
  }

  /**
   * Records attempt `attempt` and moves the delivery on (`succeeded`, `failed`
   * due again after `delayMs`, or `dead`), in one statement. Applies only while
   * the delivery is still open and `attempt` is its latest claim: a late result
   * of an attempt whose lease ran out (and was claimed again) changes nothing.
   * Returns whether it applied.
   */
  async recordAttempt(q: Queryable, p: { deliveryId: string; attempt: number; result: AttemptRecord; next: DeliveryNext }): Promise<boolean> {
    const r = p.result;
    const delayMs = p.next.status === 'failed' ? Math.round(p.next.delayMs) : null;
    const rows = await queryRows(
      q,
      `WITH d AS (
         UPDATE notify.deliveries
         SET status = $3::text,
             next_attempt_at = CASE WHEN $3::text = 'failed' THEN now() + $4::int * interval '1 millisecond' END,
             last_status_code = $5::int, last_error = $6::text, updated_at = now()
         WHERE id = $1 AND attempts = $2 AND status IN ('pending','failed')
         RETURNING id)
       INSERT INTO notify.delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt)
       SELECT id, $2, $7, $8, $5::int, $6::text, $9 FROM d
       ON CONFLICT (delivery_id, attempt) DO NOTHING
       RETURNING delivery_id`,
      [p.deliveryId, p.attempt, p.next.status, delayMs, r.statusCode, r.error, r.startedAt.toISOString(), Math.round(r.durationMs), r.responseExcerpt],
    );
    return rows.length > 0;
  }

  /**
   * Ends a claimed delivery `dead` without sending (its round's attempts were
   * used up by attempts that never reported, e.g. a crash). Same fence as
   * {@link recordAttempt}. Returns whether it applied.
   */
  async abandonDelivery(q: Queryable, p: { deliveryId: string; attempt: number; error: string }): Promise<boolean> {
    const rows = await queryRows(
      q,
      `UPDATE notify.deliveries SET status = 'dead', next_attempt_at = NULL, last_error = $3, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status IN ('pending','failed') RETURNING id`,
      [p.deliveryId, p.attempt, p.error],
    );
    return rows.length > 0;
  }

  /**
   * One page of a webhook's deliveries (tenant-scoped), newest first, each with
   * its recorded attempts oldest first. `afterId` (exclusive) continues a
   * previous page; `next` is null on the last page.
   */
  async listDeliveries(
    q: Queryable,
    p: { tenant: string; webhookId: string; status?: DeliveryStatus; limit: number; afterId?: string },
  ): Promise<{ rows: DeliveryRow[]; next: string | null }> {
    const args: unknown[] = [p.tenant, p.webhookId];
    const where = ['tenant = $1', 'webhook_id = $2'];
    if (p.status) {
      args.push(p.status);
      where.push(`status = $${args.length}`);
    }
    if (p.afterId) {
      args.push(p.afterId);
      where.push(`id < $${args.length}::uuid`);
    }
    args.push(p.limit + 1);
    const rows = await queryRows(
      q,
      `SELECT ${DELIVERY_COLUMNS} FROM notify.deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    const page = rows.slice(0, p.limit);
    const logs = await this.attemptLogs(q, page.map((r) => r['id'] as string));
    const out = page.map((r) => deliveryFromDb(r, logs.get(r['id'] as string) ?? []));
    return { rows: out, next: rows.length > p.limit ? out[out.length - 1].id : null };
  }

  /** The tenant's delivery `id` with its attempts, or null (also when it belongs to another tenant). */
  async getDelivery(q: Queryable, p: { tenant: string; id: string }): Promise<DeliveryRow | null> {
    const rows = await queryRows(q, `SELECT ${DELIVERY_COLUMNS} FROM notify.deliveries WHERE id = $1 AND tenant = $2`, [p.id, p.tenant]);
    if (rows.length === 0) return null;
    const logs = await this.attemptLogs(q, [p.id]);
    return deliveryFromDb(rows[0], logs.get(p.id) ?? []);
  }

  /**
   * Puts the tenant's `dead` or `failed` delivery back to `pending`, due now,
   * with a fresh round of attempts (`round_base` = attempts so far). Any other
   * status changes nothing.
   */
  async redeliver(q: Queryable, p: { tenant: string; deliveryId: string }): Promise<RedeliverOutcome> {
    const rows = await queryRows(
      q,
      `UPDATE notify.deliveries SET status = 'pending', next_attempt_at = now(), round_base = attempts, updated_at = now()
       WHERE id = $1 AND tenant = $2 AND status IN ('dead','failed')
       RETURNING ${DELIVERY_COLUMNS}`,
      [p.deliveryId, p.tenant],
    );
    if (rows.length > 0) {
      const logs = await this.attemptLogs(q, [p.deliveryId]);
      return { kind: 'redelivered', delivery: deliveryFromDb(rows[0], logs.get(p.deliveryId) ?? []) };
    }
    const current = await queryRows<{ status: DeliveryStatus }>(q, `SELECT status FROM notify.deliveries WHERE id = $1 AND tenant = $2`, [p.deliveryId, p.tenant]);
    return current.length ? { kind: 'not_eligible', status: current[0].status } : { kind: 'not_found' };
  }

  private async attemptLogs(q: Queryable, deliveryIds: string[]): Promise<Map<string, DeliveryAttemptRow[]>> {
    const out = new Map<string, DeliveryAttemptRow[]>();
    if (deliveryIds.length === 0) return out;
    const rows = await queryRows(
      q,
      `SELECT delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt
       FROM notify.delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt`,
      [deliveryIds],
    );
    for (const r of rows) {
      const id = r['delivery_id'] as string;
      const list = out.get(id) ?? [];
      list.push({
        attempt: Number(r['attempt']),
        startedAt: date(r['started_at'])!,
        durationMs: Number(r['duration_ms']),
        statusCode: r['status_code'] === null ? null : Number(r['status_code']),
        error: (r['error'] as string | null) ?? null,
        responseExcerpt: (r['response_excerpt'] as string | null) ?? null,
      });
      out.set(id, list);
    }
    return out;
  }
}
