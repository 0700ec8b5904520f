import type { Queryable } from '../ledger.repository';
import { queryRows } from './query-rows';

/** A webhook as stored, without its secret. */
export interface WebhookRow {
  id: string;
  tenant: string;
  /** null = every project. */
  projects: string[] | null;
  /** Empty = every event type. */
  eventTypes: string[];
  url: string;
  description: string | null;
  enabled: boolean;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

/** What the fan-out needs to match an event against an enabled webhook. */
export interface WebhookFilterRow {
  id: string;
  projects: string[] | null;
  eventTypes: string[];
}

/** A webhook to insert. */
export interface NewWebhook {
  id: string;
  tenant: string;
  projects: string[] | null;
  eventTypes: string[];
  url: string;
  secret: string;
  description: string | null;
  enabled: boolean;
  createdBy: string;
}

/** Columns `updateWebhook` may change; absent = unchanged, null clears `projects`/`description`. */
export interface WebhookChanges {
  url?: string;
  projects?: string[] | null;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
  secret?: string;
}

/** An audit command waiting for the ledger-writer. */
export interface AuditOutboxItem {
  id: string;
  tenant: string;
  command: Record<string, unknown>;
  /** Sends so far, this one included (after a claim). */
  attempts: number;
}

const WEBHOOK_COLUMNS = 'id, tenant, projects, event_types, url, description, enabled, created_at, created_by, updated_at';
const CHANGE_COLUMNS: Record<keyof WebhookChanges, string> = {
  url: 'url',
  projects: 'projects',
  eventTypes: 'event_types',
  description: 'description',
  enabled: 'enabled',
  secret: 'secret',
};

function webhookFromDb(r: Record<string, unknown>): WebhookRow {
  return {
    id: r['id'] as string,
    tenant: r['tenant'] as string,
    projects: (r['projects'] as string[] | null) ?? null,
    eventTypes: (r['event_types'] as string[]) ?? [],
    url: r['url'] as string,
    description: (r['description'] as string | null) ?? null,
    enabled: r['enabled'] as boolean,
    createdAt: new Date(r['created_at'] as string),
    createdBy: r['created_by'] as string,
    updatedAt: new Date(r['updated_at'] as string),
  };
}

/**
 * SQL of the event-notifier's webhook management (`notify.webhooks`) and of its
 * audit outbox. Every read and write of a webhook takes the tenant, so another
 * tenant's webhook is simply not found. Secrets are written here but never read
 * back, except by the delivery claim ({@link DeliveryRepository}) and a replayed
 * create ({@link WebhookRepository.getWebhookSecret}).
 */
export class WebhookRepository {
  /**
   * Inserts a webhook; `created_at` = `updated_at` = now (database clock).
   * Returns the stored row (without the secret).
   */
  async insertWebhook(q: Queryable, p: { webhook: NewWebhook }): Promise<WebhookRow> {
    const w = p.webhook;
    const rows = await queryRows(
      q,
      `INSERT INTO notify.webhooks (id, tenant, projects, event_types, url, secret, description, enabled, created_by)
       VALUES ($1, $2, $3::text[], $4::text[], $5, $6, $7, $8, $9)
       RETURNING ${WEBHOOK_COLUMNS}`,
      [w.id, w.tenant, w.projects, w.eventTypes, w.url, w.secret, w.description, w.enabled, w.createdBy],
    );
    return webhookFromDb(rows[0]);
  }

  /** The tenant's webhook `id`, or null (also when it belongs to another tenant). */
  async getWebhook(q: Queryable, p: { tenant: string; id: string }): Promise<WebhookRow | null> {
    const rows = await queryRows(q, `SELECT ${WEBHOOK_COLUMNS} FROM notify.webhooks WHERE id = $1 AND tenant = $2`, [p.id, p.tenant]);
    return rows.length ? webhookFromDb(rows[0]) : null;
  }

  /**
   * The signing secret of the tenant's webhook, or null. Only for answering a
   * replayed create (the caller already held the secret once); never listed.
   */
  async getWebhookSecret(q: Queryable, p: { tenant: string; id: string }): Promise<string | null> {
    const rows = await queryRows<{ secret: string }>(q, `SELECT secret FROM notify.webhooks WHERE id = $1 AND tenant = $2`, [p.id, p.tenant]);
    return rows.length ? rows[0].secret : null;
  }

  /**
   * One page of the tenant's webhooks, newest first (ids are UUIDv7, so id
   * order is creation order and stable). `afterId` (exclusive) is the last id
   * of the previous page; `next` is the id to continue after, null on the last page.
   */
  async listWebhooks(q: Queryable, p: { tenant: string; limit: number; afterId?: string }): Promise<{ rows: WebhookRow[]; next: string | null }> {
    const args: unknown[] = [p.tenant];
    let where = 'tenant = $1';
    if (p.afterId) {
      args.push(p.afterId);
      where += ` AND id < $${args.length}::uuid`;
    }
    args.push(p.limit + 1);
    const rows = await queryRows(
      q,
      `SELECT ${WEBHOOK_COLUMNS} FROM notify.webhooks WHERE ${where} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    const page = rows.slice(0, p.limit).map(webhookFromDb);
    return { rows: page, next: rows.length > p.limit ? page[page.length - 1].id : null };
  }

  /**
   * Applies `changes` to the tenant's webhook and bumps `updated_at`. Returns
   * the row before and after, or null when the tenant has no such webhook.
   * Must run inside the caller's transaction (the row is locked between the two).
   */
  async updateWebhook(
    q: Queryable,
    p: { tenant: string; id: string; changes: WebhookChanges },
  ): Promise<{ before: WebhookRow; after: WebhookRow } | null> {
    const current = await queryRows(
      q,
      `SELECT ${WEBHOOK_COLUMNS} FROM notify.webhooks WHERE id = $1 AND tenant = $2 FOR UPDATE`,
      [p.id, p.tenant],
    );
    if (current.length === 0) return null;
    const args: unknown[] = [p.id, p.tenant];
    const sets = ['updated_at = now()'];
    for (const [key, column] of Object.entries(CHANGE_COLUMNS) as [keyof WebhookChanges, string][]) {
      if (p.changes[key] === undefined) continue;
      args.push(p.changes[key]);
      const cast = column === 'projects' || column === 'event_types' ? '::text[]' : '';
      sets.push(`${column} = $${args.length}${cast}`);
    }
    const rows = await queryRows(
      q,
      `UPDATE notify.webhooks SET ${sets.join(', ')} WHERE id = $1 AND tenant = $2 RETURNING ${WEBHOOK_COLUMNS}`,
      args,
    );
    return { before: webhookFromDb(current[0]), after: webhookFromDb(rows[0]) };
  }

  /**
   * Deletes the tenant's webhook with its deliveries and their attempts
   * (cascade). Returns the deleted row, or null when the tenant has no such webhook.
   */
  async deleteWebhook(q: Queryable, p: { tenant: string; id: string }): Promise<WebhookRow | null> {
    const rows = await queryRows(
      q,
      `DELETE FROM notify.webhooks WHERE id = $1 AND tenant = $2 RETURNING ${WEBHOOK_COLUMNS}`,
      [p.id, p.tenant],
    );
    return rows.length ? webhookFromDb(rows[0]) : null;
  }

  /** The tenant's enabled webhooks with their filters (the fan-out's cache fill). */
  async enabledWebhookFilters(q: Queryable, p: { tenant: string }): Promise<WebhookFilterRow[]> {
    const rows = await queryRows<{ id: string; projects: string[] | null; event_types: string[] }>(
      q,
      `SELECT id, projects, event_types FROM notify.webhooks WHERE tenant = $1 AND enabled ORDER BY id`,
      [p.tenant],
    );
    return rows.map((r) => ({ id: r.id, projects: r.projects ?? null, eventTypes: r.event_types ?? [] }));
  }

  /** Queues an audit command, due now. Run it in the transaction of the change it records. */
  async appendAudit(q: Queryable, p: { id: string; tenant: string; command: Record<string, unknown> }): Promise<void> {
    await q.query(`INSERT INTO notify.audit_outbox (id, tenant, command) VALUES ($1, $2, $3::jsonb)`, [p.id, p.tenant, JSON.stringify(p.command)]);
  }

  /**
   * Claims up to `limit` due audit commands, oldest first, for `leaseMs`: each
   * gets `attempts + 1` and is not due again before the lease ends, so a relay
   * that dies mid-send leaves it to be resent (the command's idempotency key
   * makes that harmless). `SKIP LOCKED`: replicas claim disjoint sets.
   */
  async claimAudit(q: Queryable, p: { limit: number; leaseMs: number }): Promise<AuditOutboxItem[]> {
    const rows = await queryRows<{ id: string; tenant: string; command: Record<string, unknown>; attempts: number }>(
      q,
      `WITH due AS (
         SELECT id FROM notify.audit_outbox WHERE next_attempt_at <= now()
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notify.audit_outbox o
       SET attempts = o.attempts + 1, next_attempt_at = now() + $2::int * interval '1 millisecond'
       FROM due WHERE o.id = due.id
       RETURNING o.id, o.tenant, o.command, o.attempts`,
      [p.limit, p.leaseMs],
    );
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, command: r.command, attempts: Number(r.attempts) }));
  }

  /** Removes an audit command the ledger-writer has recorded. */
  async deleteAudit(q: Queryable, p: { id: string }): Promise<void> {
    await q.query(`DELETE FROM notify.audit_outbox WHERE id = $1`, [p.id]);
  }

  /** Reschedules an audit command whose send failed, `delayMs` from now, keeping the error. */
  async deferAudit(q: Queryable, p: { id: string; delayMs: number; error: string }): Promise<void> {
    await q.query(
      `UPDATE notify.audit_outbox SET next_attempt_at = now() + $2::int * interval '1 millisecond', last_error = $3 WHERE id = $1`,
      [p.id, Math.round(p.delayMs), p.error],
    );
  }
}
