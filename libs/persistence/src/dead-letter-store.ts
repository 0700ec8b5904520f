import type { DeadLetterView } from '@orch/contracts';
import type { ErrorGroup } from '@orch/domain';
import type { Queryable } from './ledger.repository';

/** The selection of a dead-letter query (every field narrows it). */
export interface DeadLetterQuery {
  tenant: string;
  project?: string;
  jobType?: string;
  errorCode?: string;
  /** Dead-lettered at or after (ISO). */
  from?: string;
  /** Dead-lettered before (ISO). */
  to?: string;
  /** true: only replayed ones; false: only open (never replayed) ones; undefined: both. */
  replayed?: boolean;
}

/** A list position: the last row's `dead_lettered_at` (UTC, microseconds) and job id. */
export interface DeadLetterKey {
  createdAt: string;
  id: string;
}

/** A dead letter with its locking state, as the ledger-writer's replay and purge see it. */
export interface DeadLetterState extends DeadLetterView {
  tenant: string;
}

/** A dead letter replayed as a new job. */
export interface DeadLetterReplay {
  jobId: string;
  replayedAs: string;
  replayedAt: string;
}

const KEY_SQL = `to_char(d.dead_lettered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

async function rows<T = Record<string, unknown>>(q: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  const res = await q.query(sql, params);
  return (Array.isArray(res) ? res : res.rows) as T[];
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

function viewFromDb(r: Record<string, unknown>): DeadLetterState {
  return {
    jobId: r['job_id'] as string,
    tenant: r['tenant'] as string,
    project: r['project'] as string,
    jobType: r['job_type'] as string,
    attempt: Number(r['attempt']),
    reason: r['reason'] as string,
    errorCode: (r['error_code'] as string | null) ?? null,
    errorMessage: (r['error_message'] as string | null) ?? null,
    deadLetteredAt: iso(r['dead_lettered_at']),
    replayedAs: (r['replayed_as'] as string | null) ?? null,
    replayedAt: r['replayed_at'] ? iso(r['replayed_at']) : null,
  };
}

/** `WHERE` of a selection over `ledger.dead_letters d`, its parameters starting at `$1`. */
function where(s: DeadLetterQuery): { sql: string; args: unknown[] } {
  const args: unknown[] = [s.tenant];
  const parts = ['d.tenant = $1'];
  const add = (cond: (n: number) => string, v: unknown) => {
    args.push(v);
    parts.push(cond(args.length));
  };
  if (s.project !== undefined) add((n) => `d.project = $${n}`, s.project);
  if (s.jobType !== undefined) add((n) => `d.job_type = $${n}`, s.jobType);
  if (s.errorCode !== undefined) add((n) => `d.error_code = $${n}`, s.errorCode);
  if (s.from !== undefined) add((n) => `d.dead_lettered_at >= $${n}::timestamptz`, s.from);
  if (s.to !== undefined) add((n) => `d.dead_lettered_at < $${n}::timestamptz`, s.to);
  if (s.replayed === true) parts.push('d.replayed_as IS NOT NULL');
  if (s.replayed === false) parts.push('d.replayed_as IS NULL');
  return { sql: parts.join(' AND '), args };
}

/**
 * The dead-letter set (`ledger.dead_letters`): reads for the api (read-only pool) and the
 * writes of the ledger-writer's replay and purge (in its group-commit transaction).
 */
export class DeadLetterStore {
  /** A page, newest first, after `after` (exclusive); `next` when more follow. */
  async list(q: Queryable, p: { query: DeadLetterQuery; limit: number; after?: DeadLetterKey }): Promise<{ items: DeadLetterView[]; next: DeadLetterKey | null }> {
    const w = where(p.query);
    const args = [...w.args];
    let sql = w.sql;
    if (p.after) {
      args.push(p.after.createdAt, p.after.id);
      sql += ` AND (d.dead_lettered_at, d.job_id) < ($${args.length - 1}::timestamptz, $${args.length}::uuid)`;
    }
    args.push(p.limit + 1);
    const found = await rows(q, `SELECT d.*, ${KEY_SQL} AS list_key FROM ledger.dead_letters d WHERE ${sql} ORDER BY d.dead_lettered_at DESC, d.job_id DESC LIMIT $${args.length}`, args);
    const page = found.slice(0, p.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => publicView(viewFromDb(r))),
      next: found.length > p.limit && last ? { createdAt: last['list_key'] as string, id: last['job_id'] as string } : null,
    };
  }

  /** One dead letter of the tenant, or null. */
  async get(q: Queryable, p: { tenant: string; jobId: string }): Promise<DeadLetterView | null> {
    const [r] = await rows(q, `SELECT d.* FROM ledger.dead_letters d WHERE d.tenant = $1 AND d.job_id = $2`, [p.tenant, p.jobId]);
    return r ? publicView(viewFromDb(r)) : null;
  }

  /** Ids of the selection, oldest first (the order a bulk call works in), at most `limit`. */
  async selectIds(q: Queryable, p: { query: DeadLetterQuery; limit: number }): Promise<string[]> {
    const w = where(p.query);
    const found = await rows<{ job_id: string }>(
      q,
      `SELECT d.job_id FROM ledger.dead_letters d WHERE ${w.sql} ORDER BY d.dead_lettered_at, d.job_id LIMIT $${w.args.length + 1}`,
      [...w.args, p.limit],
    );
    return found.map((r) => r.job_id);
  }

  /** Counts of the selection: total and open, per job type and per reason. */
  async counts(q: Queryable, p: { query: DeadLetterQuery }): Promise<{ byJobType: { jobType: string; count: number; open: number }[]; byReason: { reason: string; count: number }[] }> {
    const w = where(p.query);
    const [types, reasons] = await Promise.all([
      rows<{ job_type: string; n: string; open: string }>(
        q,
        `SELECT d.job_type, count(*) AS n, count(*) FILTER (WHERE d.replayed_as IS NULL) AS open
           FROM ledger.dead_letters d WHERE ${w.sql} GROUP BY d.job_type ORDER BY count(*) DESC, d.job_type`,
        w.args,
      ),
      rows<{ reason: string; n: string }>(q, `SELECT d.reason, count(*) AS n FROM ledger.dead_letters d WHERE ${w.sql} GROUP BY d.reason ORDER BY count(*) DESC, d.reason`, w.args),
    ]);
    return {
      byJobType: types.map((t) => ({ jobType: t.job_type, count: Number(t.n), open: Number(t.open) })),
      byReason: reasons.map((r) => ({ reason: r.reason, count: Number(r.n) })),
    };
  }

  /**
   * Exact (code, message, jobType) groups of the selection, largest first, at most `limit`
   * groups, each with its three newest job ids — the input of `clusterErrors`.
   */
  async errorGroups(q: Queryable, p: { query: DeadLetterQuery; limit: number }): Promise<ErrorGroup[]> {
    const w = where(p.query);
    const found = await rows<{ error_code: string | null; error_message: string | null; job_type: string; n: string; first_at: string; last_at: string; samples: string[] }>(
      q,
      `SELECT d.error_code, d.error_message, d.job_type, count(*) AS n, min(d.dead_lettered_at) AS first_at, max(d.dead_lettered_at) AS last_at,
              (array_agg(d.job_id::text ORDER BY d.dead_lettered_at DESC, d.job_id DESC))[1:3] AS samples
         FROM ledger.dead_letters d WHERE ${w.sql}
        GROUP BY d.error_code, d.error_message, d.job_type
        ORDER BY count(*) DESC, max(d.dead_lettered_at) DESC
        LIMIT $${w.args.length + 1}`,
      [...w.args, p.limit],
    );
    return found.map((g) => ({
      errorCode: g.error_code,
      errorMessage: g.error_message,
      jobType: g.job_type,
      count: Number(g.n),
      firstAt: new Date(g.first_at).getTime(),
      lastAt: new Date(g.last_at).getTime(),
      sampleJobIds: Array.isArray(g.samples) ? g.samples : [],
    }));
  }

  /** The dead letters of these jobs, locked FOR UPDATE (in job id order) for a replay or purge. */
  async lockForUpdate(q: Queryable, p: { jobIds: string[] }): Promise<Map<string, DeadLetterState>> {
    if (p.jobIds.length === 0) return new Map();
    const found = await rows(q, `SELECT d.* FROM ledger.dead_letters d WHERE d.job_id = ANY($1::uuid[]) ORDER BY d.job_id FOR UPDATE`, [[...new Set(p.jobIds)]]);
    return new Map(found.map((r) => [r['job_id'] as string, viewFromDb(r)]));
  }

  /** Records which job replayed each dead letter. */
  async markReplayed(q: Queryable, items: readonly DeadLetterReplay[]): Promise<void> {
    if (items.length === 0) return;
    await q.query(
      `UPDATE ledger.dead_letters d SET replayed_as = v.replayed_as, replayed_at = v.replayed_at
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS v(job_id, replayed_as, replayed_at)
        WHERE d.job_id = v.job_id`,
      [items.map((i) => i.jobId), items.map((i) => i.replayedAs), items.map((i) => i.replayedAt)],
    );
  }

  /** Removes these jobs from the set (their jobs and ledger events stay). */
  async purge(q: Queryable, jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await q.query(`DELETE FROM ledger.dead_letters WHERE job_id = ANY($1::uuid[])`, [[...jobIds]]);
  }
}

/** A dead letter without the tenant (the caller's own). */
function publicView(s: DeadLetterState): DeadLetterView {
  const { tenant: _tenant, ...view } = s;
  return view;
}
