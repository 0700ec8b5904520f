import type { Queryable } from '../ledger.repository';
import { queryRows } from './query-rows';

/** The Idempotency-Key of one request: unique per (tenant, scope, key). */
export interface NotifyIdempotencyRef {
  tenant: string;
  scope: string;
  key: string;
  /** SHA-256 (hex) of the canonical request. */
  requestDigest: string;
}

/**
 * Outcome of {@link NotifyIdempotencyRepository.claimKey}: `claimed` — the key
 * is new and now reserved by the caller's transaction; otherwise the record an
 * earlier, committed request left (its digest and result).
 */
export type IdempotencyClaim = { claimed: true } | { claimed: false; requestDigest: string; result: Record<string, unknown> | null };

/**
 * SQL of `notify.idempotency_keys`: deduplication of the event-notifier's
 * webhook POSTs. Both methods must run in the transaction of the change the
 * key deduplicates, so the key and the change commit (or vanish) together.
 */
export class NotifyIdempotencyRepository {
  /**
   * Reserves `ref` for this transaction, or returns the record already there.
   * Inputs: the ref. Output: {@link IdempotencyClaim}. Invariant: at most one
   * transaction ever claims a (tenant, scope, key); a concurrent claimer waits
   * on the primary key until the first commits (then it sees its record) or
   * rolls back (then it claims the key itself).
   */
  async claimKey(q: Queryable, ref: NotifyIdempotencyRef): Promise<IdempotencyClaim> {
    const inserted = await queryRows(
      q,
      `INSERT INTO notify.idempotency_keys (tenant, scope, key, request_digest) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, scope, key) DO NOTHING RETURNING key`,
      [ref.tenant, ref.scope, ref.key, ref.requestDigest],
    );
    if (inserted.length > 0) return { claimed: true };
    const rows = await queryRows<{ request_digest: string; result: Record<string, unknown> | null }>(
      q,
      `SELECT request_digest, result FROM notify.idempotency_keys WHERE tenant = $1 AND scope = $2 AND key = $3`,
      [ref.tenant, ref.scope, ref.key],
    );
    // Only a deleted record could be missing here, and nothing deletes them.
    if (rows.length === 0) throw new Error(`idempotency key ${ref.scope} ${ref.key} of ${ref.tenant} conflicted but cannot be read`);
    return { claimed: false, requestDigest: rows[0].request_digest, result: rows[0].result };
  }

  /** Stores what a replay of the claimed `ref` answers from. */
  async recordResult(q: Queryable, ref: Omit<NotifyIdempotencyRef, 'requestDigest'>, result: Record<string, unknown>): Promise<void> {
    await q.query(`UPDATE notify.idempotency_keys SET result = $4::jsonb WHERE tenant = $1 AND scope = $2 AND key = $3`, [
      ref.tenant,
      ref.scope,
      ref.key,
      JSON.stringify(result),
    ]);
  }
}
