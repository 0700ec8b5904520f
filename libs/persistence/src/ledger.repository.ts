import type { AuditEntryView } from '@orch/contracts';
import { GENESIS_HASH } from '@orch/domain';
import { JOB_MUTABLE_COLUMNS, JobRow, jobFromDb, jobToDb } from './job-row';

/** Anything that runs SQL: a TypeORM QueryRunner, EntityManager or DataSource. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A tenant's hash-chain head. */
export interface ChainHead {
  tenant: string;
  seq: number;
  hash: string;
}

/** A ledger event row ready to insert. */
export interface LedgerEventRow {
  tenant: string;
  seq: number;
  project: string;
  id: string;
  jobId: string;
  eventType: string;
  attempt: number;
  occurredAt: string;
  actor: { subject: string; scopes: string[] };
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** A message to relay to NATS after commit. */
export interface OutboxMessage {
  subject: string;
  msgId: string;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * A deduplicated command: (tenant, scope, key) → the digest of the first
 * request and what it produced. `submit` records its job in `jobId`; other
 * commands record their reply's ingredients in `result` (e.g. `{jobIds:[…]}`),
 * from which a replay rebuilds the reply with the current rows.
 */
export interface IdempotencyRecord {
  tenant: string;
  scope: string;
  key: string;
  requestDigest: string;
  jobId: string | null;
  result: IdempotencyResult | null;
}

/** What an idempotent command stored for its replays (JSON). */
export interface IdempotencyResult {
  /** Jobs the reply is rebuilt from, in reply order. */
  jobIds?: string[];
  [field: string]: unknown;
}

/** Which chain a head belongs to: job events or the audit log. */
export type ChainKind = 'events' | 'audit';

const HEAD_TABLES: Record<ChainKind, string> = { events: 'ledger.chain_heads', audit: 'ledger.audit_heads' };

export interface DeadLetterRow {
  jobId: string;
  tenant: string;
  project: string;
  jobType: string;
  attempt: number;
  reason: string;
  errorCode: string | null;
  errorMessage: string | null;
  deadLetteredAt: string;
}

/**
 * Set-based SQL for ledger-writer's group commit. Every write method takes the
 * whole batch and issues one statement, so a transaction costs about a dozen
 * round trips whatever its size. All methods must run inside the caller's
 * transaction; none commits.
 */
export class LedgerRepository {
  /**
   * Locks the chain heads of `tenants` (created at genesis when missing), in
   * sorted order so concurrent writers cannot deadlock.
   * Invariant: while held, no other transaction appends to these tenants' chains,
   * which also serialises idempotency-key checks per tenant.
   */
  async lockChainHeads(q: Queryable, tenants: string[], chain: ChainKind = 'events'): Promise<Map<string, ChainHead>> {
    const sorted = [...new Set(tenants)].sort();
    if (sorted.length === 0) return new Map();
    const table = HEAD_TABLES[chain];
    await q.query(
      `INSERT INTO ${table} (tenant, seq, hash)
       SELECT t, 0, $2 FROM unnest($1::text[]) AS t ORDER BY t
       ON CONFLICT (tenant) DO NOTHING`,
      [sorted, GENESIS_HASH],
    );
    const rows: { tenant: string; seq: string; hash: string }[] = await q.query(
      `SELECT tenant, seq, hash FROM ${table} WHERE tenant = ANY($1::text[]) ORDER BY tenant FOR UPDATE`,
      [sorted],
    );
    return new Map(rows.map((r) => [r.tenant, { tenant: r.tenant, seq: Number(r.seq), hash: r.hash }]));
  }

  /**
   * Locks the audit-log heads of `tenants`, same discipline as
   * {@link lockChainHeads} (sorted, FOR UPDATE). Callers take the event heads
   * first and the audit heads second, so two writers never wait on each other
   * in opposite orders.
   */
  lockAuditHeads(q: Queryable, tenants: string[]): Promise<Map<string, ChainHead>> {
    return this.lockChainHeads(q, tenants, 'audit');
  }

  /** Writes back chain heads (of job events, or of the audit log) after appending. */
  async saveChainHeads(q: Queryable, heads: ChainHead[], chain: ChainKind = 'events'): Promise<void> {
    if (heads.length === 0) return;
    await q.query(
      `UPDATE ${HEAD_TABLES[chain]} h SET seq = x.seq, hash = x.hash
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, seq bigint, hash text)
       WHERE h.tenant = x.tenant`,
      [JSON.stringify(heads)],
    );
  }

  /** Appends audit entries (already chained). The table refuses any later UPDATE or DELETE. */
  async appendAudit(q: Queryable, entries: AuditEntryView[]): Promise<void> {
    if (entries.length === 0) return;
    await q.query(
      `INSERT INTO ledger.audit_log (tenant, seq, project, id, occurred_at, actor, action, target_type, target_id, reason, ticket, before, after, prev_hash, hash)
       SELECT x.tenant, x.seq, x.project, x.id, x.occurred_at, x.actor, x.action, x.target_type, x.target_id, x.reason, x.ticket, x.before, x.after,
              x.prev_hash, x.hash
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, seq bigint, project text, id uuid, occurred_at timestamptz, actor jsonb, action text,
            target_type text, target_id text, reason text, ticket text, before jsonb, after jsonb, prev_hash text, hash text)`,
      [
        JSON.stringify(
          entries.map((e) => ({
            tenant: e.tenant,
            seq: e.seq,
            project: e.project,
            id: e.id,
            occurred_at: e.occurredAt,
            actor: e.actor,
            action: e.action,
            target_type: e.targetType,
            target_id: e.targetId,
            reason: e.reason,
            ticket: e.ticket,
            before: e.before,
            after: e.after,
            prev_hash: e.prevHash,
            hash: e.hash,
          })),
        ),
      ],
    );
  }

  /** Idempotency records for the given (tenant, scope, key) triples, keyed `tenant\0scope\0key`. */
  async findIdempotencyKeys(
    q: Queryable,
    keys: { tenant: string; scope: string; key: string }[],
  ): Promise<Map<string, IdempotencyRecord>> {
    if (keys.length === 0) return new Map();
    const rows: { tenant: string; scope: string; key: string; request_digest: string; job_id: string | null; result: IdempotencyResult | null }[] = await q.query(
      `SELECT k.tenant, k.scope, k.key, k.request_digest, k.job_id, k.result
       FROM ledger.idempotency_keys k
       JOIN jsonb_to_recordset($1::jsonb) AS x(tenant text, scope text, key text)
         ON k.tenant = x.tenant AND k.scope = x.scope AND k.key = x.key`,
      [JSON.stringify(keys)],
    );
    return new Map(
      rows.map((r) => [
        idempotencyMapKey(r.tenant, r.scope, r.key),
        { tenant: r.tenant, scope: r.scope, key: r.key, requestDigest: r.request_digest, jobId: r.job_id, result: r.result },
      ]),
    );
  }

  async insertIdempotencyKeys(q: Queryable, recs: IdempotencyRecord[], now: Date): Promise<void> {
    if (recs.length === 0) return;
    await q.query(
      `INSERT INTO ledger.idempotency_keys (tenant, scope, key, request_digest, job_id, result, created_at)
       SELECT x.tenant, x.scope, x.key, x.request_digest, x.job_id, x.result, $2
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, scope text, key text, request_digest text, job_id uuid, result jsonb)`,
      [
        JSON.stringify(
          recs.map((r) => ({ tenant: r.tenant, scope: r.scope, key: r.key, request_digest: r.requestDigest, job_id: r.jobId, result: r.result })),
        ),
        now.toISOString(),
      ],
    );
  }

  /**
   * Loads jobs by id. With `forUpdate`, row-locks them (in id order) for the
   * rest of the transaction. Missing ids are simply absent from the map.
   */
  async loadJobs(q: Queryable, ids: string[], forUpdate: boolean): Promise<Map<string, JobRow>> {
    const sorted = [...new Set(ids)].sort();
    if (sorted.length === 0) return new Map();
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.jobs WHERE id = ANY($1::uuid[]) ORDER BY id ${forUpdate ? 'FOR UPDATE' : ''}`,
      [sorted],
    );
    return new Map(rows.map((r) => [r['id'] as string, jobFromDb(r)]));
  }

  async insertJobs(q: Queryable, jobs: JobRow[]): Promise<void> {
    if (jobs.length === 0) return;
    await q.query(
      `INSERT INTO ledger.jobs SELECT * FROM jsonb_populate_recordset(NULL::ledger.jobs, $1::jsonb)`,
      [JSON.stringify(jobs.map(jobToDb))],
    );
  }

  /** Writes every mutable column of the given rows. */
  async updateJobs(q: Queryable, jobs: JobRow[]): Promise<void> {
    if (jobs.length === 0) return;
    const set = JOB_MUTABLE_COLUMNS.map((c) => `${c} = x.${c}`).join(', ');
    await q.query(
      `UPDATE ledger.jobs j SET ${set}
       FROM jsonb_populate_recordset(NULL::ledger.jobs, $1::jsonb) AS x
       WHERE j.id = x.id`,
      [JSON.stringify(jobs.map(jobToDb))],
    );
  }

  /** Appends ledger events. The table refuses any later UPDATE or DELETE. */
  async appendEvents(q: Queryable, events: LedgerEventRow[]): Promise<void> {
    if (events.length === 0) return;
    await q.query(
      `INSERT INTO ledger.job_events (tenant, seq, project, id, job_id, event_type, attempt, occurred_at, actor, data, prev_hash, hash)
       SELECT x.tenant, x.seq, x.project, x.id, x.job_id, x.event_type, x.attempt, x.occurred_at, x.actor, x.data, x.prev_hash, x.hash
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, seq bigint, project text, id uuid, job_id uuid, event_type text, attempt int,
            occurred_at timestamptz, actor jsonb, data jsonb, prev_hash text, hash text)`,
      [
        JSON.stringify(
          events.map((e) => ({
            tenant: e.tenant,
            seq: e.seq,
            project: e.project,
            id: e.id,
            job_id: e.jobId,
            event_type: e.eventType,
            attempt: e.attempt,
            occurred_at: e.occurredAt,
            actor: e.actor,
            data: e.data,
            prev_hash: e.prevHash,
            hash: e.hash,
          })),
        ),
      ],
    );
  }

  async enqueueOutbox(q: Queryable, msgs: OutboxMessage[]): Promise<void> {
    if (msgs.length === 0) return;
    await q.query(
      `INSERT INTO ledger.outbox (subject, msg_id, body, headers)
       SELECT x.subject, x.msg_id, x.body, x.headers
       FROM jsonb_to_recordset($1::jsonb) AS x(subject text, msg_id text, body jsonb, headers jsonb)`,
      [JSON.stringify(msgs.map((m) => ({ subject: m.subject, msg_id: m.msgId, body: m.body, headers: m.headers })))],
    );
  }

  async insertDeadLetters(q: Queryable, rows: DeadLetterRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `INSERT INTO ledger.dead_letters (job_id, tenant, project, job_type, attempt, reason, error_code, error_message, dead_lettered_at)
       SELECT x.job_id, x.tenant, x.project, x.job_type, x.attempt, x.reason, x.error_code, x.error_message, x.dead_lettered_at
       FROM jsonb_to_recordset($1::jsonb) AS x(job_id uuid, tenant text, project text, job_type text, attempt int,
            reason text, error_code text, error_message text, dead_lettered_at timestamptz)
       ON CONFLICT (job_id) DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({
            job_id: r.jobId,
            tenant: r.tenant,
            project: r.project,
            job_type: r.jobType,
            attempt: r.attempt,
            reason: r.reason,
            error_code: r.errorCode,
            error_message: r.errorMessage,
            dead_lettered_at: r.deadLetteredAt,
          })),
        ),
      ],
    );
  }

  /**
   * Takes up to `limit` outbox messages in order, locked and skipped by other
   * relays. The caller publishes them, then deletes them in the same transaction.
   */
  async claimOutbox(q: Queryable, limit: number): Promise<(OutboxMessage & { id: number })[]> {
    const rows: { id: string; subject: string; msg_id: string; body: unknown; headers: Record<string, string> }[] =
      await q.query(
        `SELECT id, subject, msg_id, body, headers FROM ledger.outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    return rows.map((r) => ({ id: Number(r.id), subject: r.subject, msgId: r.msg_id, body: r.body, headers: r.headers }));
  }

  async deleteOutbox(q: Queryable, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await q.query(`DELETE FROM ledger.outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }
}

/** Map key for idempotency records. */
export function idempotencyMapKey(tenant: string, scope: string, key: string): string {
  return `${tenant}\u0000${scope}\u0000${key}`;
}
