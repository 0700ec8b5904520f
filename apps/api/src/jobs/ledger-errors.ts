import { OrchError } from '@orch/contracts';

/** SQLSTATEs that mean "the database is not there right now", not "the query is wrong". */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a ledger read failed for a reason a retry can fix (connection lost, server restarting, overload). */
export function isTransientDbError(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.driverError?.code === 'string' ? e.driverError.code : undefined;
  if (code && (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))) return true;
  return typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect/i.test(e.message);
}

/** A ledger read failure for the caller: transient ones become 503 `unavailable`, the rest stay 500. */
export function ledgerReadFailure(err: unknown): unknown {
  if (err instanceof OrchError || !isTransientDbError(err)) return err;
  return new OrchError('unavailable', 'the ledger database is unavailable; retry later', { cause: err });
}

/** Runs a read on the ledger pool, mapping a transient database failure to 503 ({@link ledgerReadFailure}). */
export async function readLedger<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw ledgerReadFailure(err);
  }
}
