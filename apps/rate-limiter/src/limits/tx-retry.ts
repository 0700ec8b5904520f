import type { DataSource, EntityManager } from 'typeorm';

/** SQLSTATEs after which the whole transaction may simply run again: deadlock, serialization failure. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
/** Attempts of one transaction before the error goes to the caller. */
export const TX_RETRY_ATTEMPTS = 5;

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `work` in a transaction, again (a few times, with a short random pause) when PostgreSQL
 * aborts it as a deadlock victim or a serialization failure. Locks are taken in key order, so
 * this is the rare case of a release racing a re-admission with other keys.
 */
export async function withTxRetry<T>(ds: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction(work);
    } catch (err) {
      if (attempt >= TX_RETRY_ATTEMPTS || !RETRYABLE_SQLSTATES.has(sqlState(err) ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}
