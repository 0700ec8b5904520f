import { BackfillState, BackfillStatus, BackfillView, isTerminal, JobStatus } from '@orch/contracts';
import type { BackfillRow } from '@orch/persistence';

/**
 * A backfill's status from its stored state and its jobs: `paused` and `canceled` as set; an
 * active one is `active` while a job has not finished, then `failed` if any job failed or timed
 * out, else `succeeded` (also when it created nothing).
 */
export function backfillStatus(state: BackfillState, jobs: Partial<Record<JobStatus, number>>): BackfillStatus {
  if (state !== 'active') return state;
  const entries = Object.entries(jobs) as [JobStatus, number][];
  if (entries.some(([s, n]) => n > 0 && !isTerminal(s))) return 'active';
  return (jobs.failed ?? 0) + (jobs.timed_out ?? 0) > 0 ? 'failed' : 'succeeded';
}

/** The API view of a backfill: its record, its jobs by status, progress and the key's watermark. */
export function buildBackfillView(row: BackfillRow, jobs: Partial<Record<JobStatus, number>>, watermark: Date | null): BackfillView {
  const total = Object.values(jobs).reduce((a, n) => a + (n ?? 0), 0);
  const done = (Object.entries(jobs) as [JobStatus, number][]).filter(([s]) => isTerminal(s)).reduce((a, [, n]) => a + n, 0);
  return {
    id: row.id,
    tenant: row.tenant,
    project: row.project,
    source: row.source,
    jobType: row.jobType,
    from: row.windowFrom.toISOString(),
    to: row.windowTo.toISOString(),
    slice: row.slice,
    priority: row.priority,
    maxAttempts: row.maxAttempts,
    status: backfillStatus(row.state, jobs),
    slices: row.slices,
    created: row.createdJobs,
    skipped: row.skipped,
    jobs,
    progressPercent: total === 0 ? 100 : Math.round((done / total) * 1000) / 10,
    watermark: watermark ? watermark.toISOString() : null,
    reason: row.reason,
    ticket: row.ticket,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
