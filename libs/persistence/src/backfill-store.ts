import type { BackfillState, JobStatus } from '@orch/contracts';
import type { Queryable } from './ledger.repository';

/** A row of `ledger.backfills`. */
export interface BackfillRow {
  id: string;
  tenant: string;
  project: string;
  source: string;
  jobType: string;
  windowFrom: Date;
  windowTo: Date;
  slice: string;
  sliceMs: number;
  priority: number;
  maxAttempts: number;
  payload: Record<string, unknown>;
  state: BackfillState;
  slices: number;
  createdJobs: number;
  skipped: number;
  reason: string;
  ticket: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The windows of one tenant, source and job type: what a backfill plans over and what may not overlap. */
export interface WindowKey {
  tenant: string;
  source: string;
  jobType: string;
}

/** A job's event-time window. */
export interface JobWindowRow {
  id: string;
  status: JobStatus;
  from: Date;
  to: Date;
}

/** A windowed job in flight (admitted, leased or running), for the admission's overlap check. */
export interface BusyWindowRow extends JobWindowRow, WindowKey {}

function backfillFromDb(r: Record<string, unknown>): BackfillRow {
  return {
    id: r['id'] as string,
    tenant: r['tenant'] as string,
    project: r['project'] as string,
    source: r['source'] as string,
    jobType: r['job_type'] as string,
    windowFrom: new Date(r['window_from'] as string),
    windowTo: new Date(r['window_to'] as string),
    slice: r['slice'] as string,
    sliceMs: Number(r['slice_ms']),
    priority: Number(r['priority']),
    maxAttempts: Number(r['max_attempts']),
    payload: r['payload'] as Record<string, unknown>,
    state: r['state'] as BackfillState,
    slices: Number(r['slices']),
    createdJobs: Number(r['created_jobs']),
    skipped: Number(r['skipped']),
    reason: r['reason'] as string,
    ticket: r['ticket'] as string,
    createdBy: r['created_by'] as string,
    createdAt: new Date(r['created_at'] as string),
    updatedAt: new Date(r['updated_at'] as string),
  };
}

/**
 * SQL over `ledger.backfills`, `ledger.watermarks` and the jobs' event-time windows. The write
 * methods run inside the ledger-writer's group-commit transaction; the reads also
 * serve the api (dry runs, progress), always scoped to a tenant.
 */
export class BackfillStore {
  /** The key's watermark, or null when none was set. `forUpdate` locks its row. */
  async watermark(q: Queryable, key: WindowKey, forUpdate = false): Promise<Date | null> {
    const rows: { watermark: string }[] = await q.query(
      `SELECT watermark FROM ledger.watermarks WHERE tenant = $1 AND source = $2 AND job_type = $3${forUpdate ? ' FOR UPDATE' : ''}`,
      [key.tenant, key.source, key.jobType],
    );
    return rows[0] ? new Date(rows[0].watermark) : null;
  }

  /** Every watermark of the tenant, by source and job type. */
  async watermarks(q: Queryable, tenant: string): Promise<{ source: string; jobType: string; watermark: Date; updatedAt: Date }[]> {
    const rows: Record<string, string>[] = await q.query(
      `SELECT source, job_type, watermark, updated_at FROM ledger.watermarks WHERE tenant = $1 ORDER BY source, job_type`,
      [tenant],
    );
    return rows.map((r) => ({ source: r['source'], jobType: r['job_type'], watermark: new Date(r['watermark']), updatedAt: new Date(r['updated_at']) }));
  }

  /** Creates the key's watermark at `at` unless it has one (a source's first backfill starts its history). */
  async ensureWatermark(q: Queryable, key: WindowKey, at: Date, now: Date): Promise<void> {
    await q.query(
      `INSERT INTO ledger.watermarks (tenant, source, job_type, watermark, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant, source, job_type) DO NOTHING`,
      [key.tenant, key.source, key.jobType, at.toISOString(), now.toISOString()],
    );
  }

  /**
   * Jobs of the key whose windows overlap `[from, to)` and that did not end failed, canceled or
   * timed out: what already covers part of a backfill's window.
   */
  async coveringJobs(q: Queryable, key: WindowKey, from: Date, to: Date): Promise<JobWindowRow[]> {
    const rows: Record<string, string>[] = await q.query(
      `SELECT id, status, window_from, window_to FROM ledger.jobs
        WHERE tenant = $1 AND source = $2 AND job_type = $3 AND window_from IS NOT NULL
          AND window_to > $4 AND window_from < $5 AND status NOT IN ('failed', 'canceled', 'timed_out')
        ORDER BY window_from, id`,
      [key.tenant, key.source, key.jobType, from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({ id: r['id'], status: r['status'] as JobStatus, from: new Date(r['window_from']), to: new Date(r['window_to']) }));
  }

  /**
   * Windowed jobs of these keys in flight: admitted (a dispatch is out), leased or running. The
   * ledger-writer reads them holding the tenant's chain head (every window key is of one tenant),
   * so no other writer admits into these windows meanwhile.
   */
  async busyWindows(q: Queryable, keys: readonly WindowKey[]): Promise<BusyWindowRow[]> {
    if (keys.length === 0) return [];
    const rows: Record<string, string>[] = await q.query(
      `SELECT j.id, j.status, j.tenant, j.source, j.job_type, j.window_from, j.window_to
         FROM ledger.jobs j
         JOIN jsonb_to_recordset($1::jsonb) AS k(tenant text, source text, job_type text)
           ON j.tenant = k.tenant AND j.source = k.source AND j.job_type = k.job_type
        WHERE j.window_from IS NOT NULL AND j.status IN ('queued', 'throttled', 'leased', 'running')
          AND (j.status IN ('leased', 'running') OR j.admitted_attempt = j.attempt)`,
      [JSON.stringify(keys.map((k) => ({ tenant: k.tenant, source: k.source, job_type: k.jobType })))],
    );
    return rows.map((r) => ({
      id: r['id'],
      status: r['status'] as JobStatus,
      tenant: r['tenant'],
      source: r['source'],
      jobType: r['job_type'],
      from: new Date(r['window_from']),
      to: new Date(r['window_to']),
    }));
  }

  /**
   * Moves the key's watermark (if it has one) through the succeeded windows that continue it
   * without a gap, reading at most `batch` windows at a time. Locks the watermark row.
   * @returns the new watermark, or null when the key has none.
   */
  async advanceWatermark(q: Queryable, key: WindowKey, now: Date, advance: (wm: number, windows: { from: number; to: number }[]) => number, batch = 500): Promise<Date | null> {
    const current = await this.watermark(q, key, true);
    if (!current) return null;
    let wm = current.getTime();
    for (;;) {
      const rows: { window_from: string; window_to: string }[] = await q.query(
        `SELECT window_from, window_to FROM ledger.jobs
          WHERE tenant = $1 AND source = $2 AND job_type = $3 AND window_from IS NOT NULL AND window_to > $4 AND status = 'succeeded'
          ORDER BY window_from LIMIT $5`,
        [key.tenant, key.source, key.jobType, new Date(wm).toISOString(), batch],
      );
      const next = advance(wm, rows.map((r) => ({ from: new Date(r.window_from).getTime(), to: new Date(r.window_to).getTime() })));
      if (next === wm || rows.length < batch) {
        wm = next;
        break;
      }
      wm = next;
    }
    if (wm !== current.getTime()) {
      await q.query(`UPDATE ledger.watermarks SET watermark = $4, updated_at = $5 WHERE tenant = $1 AND source = $2 AND job_type = $3`, [
        key.tenant,
        key.source,
        key.jobType,
        new Date(wm).toISOString(),
        now.toISOString(),
      ]);
    }
    return new Date(wm);
  }

  /** Mean run time (start to finish) of the job type's last 100 succeeded jobs of the tenant, in seconds. */
  async meanRunSeconds(q: Queryable, tenant: string, jobType: string): Promise<number | null> {
    const rows: { mean: string | null }[] = await q.query(
      `SELECT avg(extract(epoch FROM finished_at - started_at)) AS mean FROM (
         SELECT started_at, finished_at FROM ledger.jobs
          WHERE tenant = $1 AND job_type = $2 AND status = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL
          ORDER BY finished_at DESC LIMIT 100) r`,
      [tenant, jobType],
    );
    return rows[0]?.mean == null ? null : Number(rows[0].mean);
  }

  async insertBackfills(q: Queryable, rows: readonly BackfillRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `INSERT INTO ledger.backfills SELECT * FROM jsonb_populate_recordset(NULL::ledger.backfills, $1::jsonb)`,
      [
        JSON.stringify(
          rows.map((b) => ({
            id: b.id,
            tenant: b.tenant,
            project: b.project,
            source: b.source,
            job_type: b.jobType,
            window_from: b.windowFrom.toISOString(),
            window_to: b.windowTo.toISOString(),
            slice: b.slice,
            slice_ms: b.sliceMs,
            priority: b.priority,
            max_attempts: b.maxAttempts,
            payload: b.payload,
            state: b.state,
            slices: b.slices,
            created_jobs: b.createdJobs,
            skipped: b.skipped,
            reason: b.reason,
            ticket: b.ticket,
            created_by: b.createdBy,
            created_at: b.createdAt.toISOString(),
            updated_at: b.updatedAt.toISOString(),
          })),
        ),
      ],
    );
  }

  /** Writes the state of changed backfills. */
  async saveStates(q: Queryable, rows: readonly BackfillRow[]): Promise<void> {
    for (const b of rows) {
      await q.query(`UPDATE ledger.backfills SET state = $2, updated_at = $3 WHERE id = $1`, [b.id, b.state, b.updatedAt.toISOString()]);
    }
  }

  /** The tenant's backfills by id, row-locked when `forUpdate`; others' and unknown ids are absent. */
  async backfills(q: Queryable, tenant: string, ids: readonly string[], forUpdate = false): Promise<Map<string, BackfillRow>> {
    if (ids.length === 0) return new Map();
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.backfills WHERE tenant = $1 AND id = ANY($2::uuid[]) ORDER BY id${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenant, [...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r['id'] as string, backfillFromDb(r)]));
  }

  /** States of the backfills these jobs belong to (any tenant: job ids come from the command's tenant). */
  async statesOf(q: Queryable, ids: readonly string[]): Promise<Map<string, BackfillState>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; state: BackfillState }[] = await q.query(`SELECT id, state FROM ledger.backfills WHERE id = ANY($1::uuid[])`, [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, r.state]));
  }

  /** Ids of the backfill's jobs, oldest window first. */
  async jobIds(q: Queryable, tenant: string, backfillId: string): Promise<string[]> {
    const rows: { id: string }[] = await q.query(`SELECT id FROM ledger.jobs WHERE tenant = $1 AND backfill_id = $2 ORDER BY window_from, id`, [tenant, backfillId]);
    return rows.map((r) => r.id);
  }

  /** The backfill's jobs counted by status. */
  async jobCounts(q: Queryable, tenant: string, backfillId: string): Promise<Partial<Record<JobStatus, number>>> {
    const rows: { status: JobStatus; n: string }[] = await q.query(
      `SELECT status, count(*) AS n FROM ledger.jobs WHERE tenant = $1 AND backfill_id = $2 GROUP BY status ORDER BY status`,
      [tenant, backfillId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The tenant's backfills, newest first, after the cursor. */
  async list(q: Queryable, params: { tenant: string; limit: number; after?: { createdAt: string; id: string } }): Promise<{ rows: BackfillRow[]; next: { createdAt: string; id: string } | null }> {
    const args: unknown[] = [params.tenant, params.limit + 1];
    let where = 'tenant = $1';
    if (params.after) {
      args.push(params.after.createdAt, params.after.id);
      where += ` AND (created_at, id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
         FROM ledger.backfills WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      args,
    );
    const page = rows.slice(0, params.limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(backfillFromDb),
      next: rows.length > params.limit && last ? { createdAt: last['created_key'] as string, id: last['id'] as string } : null,
    };
  }
}
