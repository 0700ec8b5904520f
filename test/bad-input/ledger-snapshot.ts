import type { Client } from 'pg';

/**
 * Every durable table a request could change: the ledger (jobs, their
 * hash-chained events and heads, idempotency keys, dead letters, the
 * hash-chained audit log and its heads) and the event-notifier's notify schema
 * (webhooks, deliveries and their attempts, idempotency keys, the audit
 * outbox). `ledger.outbox` is left out: its rows are relayed and deleted by
 * design, and whatever lands there comes from one of these tables' changes.
 */
export const LEDGER_TABLES = [
  'ledger.jobs',
  'ledger.job_events',
  'ledger.chain_heads',
  'ledger.idempotency_keys',
  'ledger.dead_letters',
  'ledger.audit_log',
  'ledger.audit_heads',
  'ledger.schedules',
  'ledger.schedule_fires',
  'ledger.runs',
  'ledger.run_edges',
  'limits.rules',
  'limits.pauses',
  'notify.webhooks',
  'notify.deliveries',
  'notify.delivery_attempts',
  'notify.idempotency_keys',
  'notify.audit_outbox',
] as const;

/** Per table: `<row count>:<md5 of every row's text, in a stable order>`. */
export type LedgerSnapshot = Record<string, string>;

const SNAPSHOT_SQL = LEDGER_TABLES.map(
  (t) => `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '-') AS v FROM ${t} x`,
).join(' UNION ALL ');

/**
 * A fingerprint of every row of {@link LEDGER_TABLES}: any insert, update or
 * delete changes it (a count and a max(seq) would miss an update of a job row).
 */
export async function ledgerSnapshot(pg: Client): Promise<LedgerSnapshot> {
  const { rows } = await pg.query<{ t: string; v: string }>(SNAPSHOT_SQL);
  return Object.fromEntries(rows.map((r) => [r.t, r.v]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: LedgerSnapshot, after: LedgerSnapshot): string[] {
  return LEDGER_TABLES.filter((t) => before[t] !== after[t]);
}
