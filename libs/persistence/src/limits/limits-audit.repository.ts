import type { AuditOutboxItem } from '../notify/webhook.repository';
import type { Queryable } from '../ledger.repository';
import { limitsRows as queryRows } from './rows';

/**
 * The rate-limiter's audit outbox (`limits.audit_outbox`): a limits change queues its
 * `ledger-writer.audit` command in the change's own transaction; a relay sends it after commit
 * (same pattern and semantics as `notify.audit_outbox`, docs/adr/0008).
 */
export class LimitsAuditRepository {
  /** Queues an audit command, due now. Run it in the transaction of the change it records. */
  async append(q: Queryable, p: { id: string; tenant: string; command: Record<string, unknown> }): Promise<void> {
    await q.query(`INSERT INTO limits.audit_outbox (id, tenant, command) VALUES ($1, $2, $3::jsonb)`, [p.id, p.tenant, JSON.stringify(p.command)]);
  }

  /** Claims up to `limit` due commands for `leaseMs` (`attempts + 1`), SKIP LOCKED so replicas take disjoint sets. */
  async claim(q: Queryable, p: { limit: number; leaseMs: number }): Promise<AuditOutboxItem[]> {
    const rows = await queryRows<{ id: string; tenant: string; command: Record<string, unknown>; attempts: number }>(
      q,
      `WITH due AS (
         SELECT id FROM limits.audit_outbox WHERE next_attempt_at <= now()
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE limits.audit_outbox o
       SET attempts = o.attempts + 1, next_attempt_at = now() + $2::int * interval '1 millisecond'
       FROM due WHERE o.id = due.id
       RETURNING o.id, o.tenant, o.command, o.attempts`,
      [p.limit, p.leaseMs],
    );
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, command: r.command, attempts: Number(r.attempts) }));
  }

  /** Removes a command the ledger-writer has recorded. */
  async remove(q: Queryable, p: { id: string }): Promise<void> {
    await q.query(`DELETE FROM limits.audit_outbox WHERE id = $1`, [p.id]);
  }

  /** Reschedules a command whose send failed. */
  async defer(q: Queryable, p: { id: string; delayMs: number; error: string }): Promise<void> {
    await q.query(`UPDATE limits.audit_outbox SET next_attempt_at = now() + $2::int * interval '1 millisecond', last_error = $3 WHERE id = $1`, [
      p.id,
      Math.round(p.delayMs),
      p.error,
    ]);
  }
}
