import { JOB_STATUSES, JobStatus, isTerminal } from '@orch/contracts';

/**
 * Status of a DAG run, aggregated from its jobs by {@link runStatus}:
 * - `pending`: every job is still `pending` (nothing became eligible or ran yet);
 * - `running`: some job is not terminal and some job has left `pending`;
 * - once every job is terminal: `failed` if any job `failed` or `timed_out`, else `canceled` if any
 *   job was `canceled`, else `succeeded`.
 */
export const RunStatus = {
  pending: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Terminal run statuses. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([RunStatus.succeeded, RunStatus.failed, RunStatus.canceled]);

/** Aggregate of a run's job statuses. */
export interface RunSummary {
  status: RunStatus;
  /** Number of jobs. */
  total: number;
  /** Jobs in a terminal state. */
  finished: number;
  /** Some job `failed` or `timed_out`: the run cannot succeed (known before it ends). */
  failing: boolean;
  /** Jobs per status; every status is present, zero included. */
  counts: Record<JobStatus, number>;
}

/**
 * Aggregates job statuses into the run's status and counts (see {@link RunStatus} for the rules).
 * A run without jobs counts as `succeeded` (every job vacuously succeeded); validated runs always
 * have at least one.
 */
export function runStatus(statuses: Iterable<JobStatus>): RunSummary {
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  let total = 0;
  let finished = 0;
  for (const status of statuses) {
    if (!Object.hasOwn(counts, status)) throw new RangeError(`unknown job status "${String(status)}"`);
    counts[status]++;
    total++;
    if (isTerminal(status)) finished++;
  }
  const failing = counts.failed + counts.timed_out > 0;
  let status: RunStatus;
  if (finished < total) status = counts.pending === total ? RunStatus.pending : RunStatus.running;
  else if (failing) status = RunStatus.failed;
  else if (counts.canceled > 0) status = RunStatus.canceled;
  else status = RunStatus.succeeded;
  return { status, total, finished, failing, counts };
}
