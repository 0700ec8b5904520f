import type { Queryable } from './ledger.repository';
import type { JobRow } from './job-row';

/** Where an eligible job stands among the tenant's eligible jobs of its type. */
export interface QueuePosition {
  /** Eligible, not yet admitted jobs that the scheduler offers first (higher priority, or as high and older). */
  ahead: number;
  /** Eligible, not yet admitted jobs of the tenant and job type, this one included when it is one. */
  waiting: number;
}

/** The tenant's workers on a job type, as the ledger shows them. */
export interface WorkerActivity {
  /** Jobs of the tenant and type leased or running now. */
  running: number;
  /** The last time one of them started (any status), within the look-back window. */
  lastStartedAt: Date | null;
}

/**
 * Read-only queries behind `GET /api/v1/jobs/{id}/explain`. Every query is
 * scoped to the job's tenant and uses the admission index
 * `(tenant, job_type, priority DESC, created_at)`, in the scheduler's own
 * order (priority DESC, created_at, id), so "ahead" is the scheduler's view.
 */
export class JobExplainReader {
  /** The job's place among the tenant's eligible, unadmitted jobs of its type (callers ask only for such a job). */
  async queuePosition(q: Queryable, job: JobRow, now: Date): Promise<QueuePosition> {
    // The job's own row supplies the sort key, at the database's (microsecond) precision.
    const rows: { ahead: string; waiting: string }[] = await q.query(
      `WITH me AS (SELECT priority, created_at, id FROM ledger.jobs WHERE id = $3 AND tenant = $1)
       SELECT count(*) FILTER (WHERE j.priority > me.priority OR (j.priority = me.priority AND (j.created_at, j.id) < (me.created_at, me.id))) AS ahead,
              count(*) AS waiting
         FROM ledger.jobs j, me
        WHERE j.tenant = $1 AND j.job_type = $2
          AND j.status IN ('queued', 'throttled')
          AND j.admitted_attempt IS DISTINCT FROM j.attempt
          AND (j.eligible_at IS NULL OR j.eligible_at <= $4)`,
      [job.tenant, job.jobType, job.id, now],
    );
    return { ahead: Number(rows[0].ahead), waiting: Number(rows[0].waiting) };
  }

  /** Leased/running jobs of the tenant's job type and the last start within `lookBackMs`. */
  async workerActivity(q: Queryable, tenant: string, jobType: string, now: Date, lookBackMs = 3_600_000): Promise<WorkerActivity> {
    const rows: { running: string; last: Date | null }[] = await q.query(
      `SELECT (SELECT count(*) FROM ledger.jobs WHERE tenant = $1 AND job_type = $2 AND status IN ('leased', 'running')) AS running,
              (SELECT max(started_at) FROM ledger.jobs WHERE tenant = $1 AND job_type = $2 AND started_at > $3) AS last`,
      [tenant, jobType, new Date(now.getTime() - lookBackMs)],
    );
    return { running: Number(rows[0].running), lastStartedAt: rows[0].last ? new Date(rows[0].last) : null };
  }
}
