import { ID_TOKEN_PATTERN, JOB_STATUSES, JobStatus } from '@orch/contracts';
import type { JobCountRow } from '@orch/persistence';
import { QueryReader, RawQuery } from '../jobs/jobs.params';

/** `GET /api/v1/jobs/summary`: the caller's jobs counted by status, by job type and by both. */
export interface JobSummary {
  total: number;
  /** Every status, zeros included. */
  byStatus: Record<JobStatus, number>;
  /** Job types with at least one job, in name order. */
  byJobType: Record<string, number>;
  /** Per job type, its non-zero statuses. */
  byJobTypeAndStatus: Record<string, Partial<Record<JobStatus, number>>>;
}

/** Validated query of `GET /api/v1/jobs/summary`. */
export interface SummaryParams {
  project?: string;
  /** Jobs created at or after this instant. */
  createdAfter?: string;
  /** Jobs created before this instant. */
  createdBefore?: string;
}

/**
 * Parses `project`, `created_after` (inclusive) and `created_before` (exclusive).
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseSummaryQuery(query: RawQuery): SummaryParams {
  const q = new QueryReader(query, ['project', 'created_after', 'created_before']);
  const project = q.matching('project', ID_TOKEN_PATTERN);
  const created = q.range('created_after', 'created_before');
  q.throwIfAny('invalid summary query');
  return {
    ...(project !== undefined ? { project } : {}),
    ...(created.from !== undefined ? { createdAfter: created.from } : {}),
    ...(created.before !== undefined ? { createdBefore: created.before } : {}),
  };
}

/** Folds the ledger's (status, job type) counts into a {@link JobSummary}. */
export function summarize(rows: readonly JobCountRow[]): JobSummary {
  const byStatus = new Map<JobStatus, number>(JOB_STATUSES.map((s) => [s, 0]));
  // Maps, not object literals: a job type may be called `constructor` or `toString`.
  const byJobType = new Map<string, number>();
  const byBoth = new Map<string, Map<JobStatus, number>>();
  let total = 0;
  for (const r of rows) {
    const status = r.status as JobStatus;
    total += r.count;
    byStatus.set(status, (byStatus.get(status) ?? 0) + r.count);
    byJobType.set(r.jobType, (byJobType.get(r.jobType) ?? 0) + r.count);
    const statuses = byBoth.get(r.jobType) ?? new Map<JobStatus, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + r.count);
    byBoth.set(r.jobType, statuses);
  }
  const types = [...byJobType.keys()].sort();
  return {
    total,
    byStatus: Object.fromEntries(byStatus) as Record<JobStatus, number>,
    byJobType: Object.fromEntries(types.map((t) => [t, byJobType.get(t)!])),
    byJobTypeAndStatus: Object.fromEntries(types.map((t) => [t, Object.fromEntries(byBoth.get(t)!)])),
  };
}
