import type { JobStatus } from './job-status';
import type { ThrottleCode } from './jobs';

/** What holds a job, or what it is doing (stable codes of {@link JobExplanation.reasons}). */
export const ExplainCode = {
  /** Terminal: nothing will run it again (a replay makes a new job). */
  finished: 'finished',
  /** A worker holds the lease and has not reported that it started. */
  leased: 'leased',
  /** A worker is running it. */
  running: 'running',
  /** An operator asked to cancel it; the worker has until the deadline. */
  cancelRequested: 'cancel_requested',
  /** `pending` until its `runAt`. */
  scheduled: 'scheduled',
  /** `pending` with its `runAt` passed: the scheduler queues it on its next pass. */
  awaitingPromotion: 'awaiting_promotion',
  /** `pending` until its parent jobs (DAG run) have succeeded. */
  dependencies: 'dependencies',
  /** A failed attempt's backoff: the next attempt is eligible at `until`. */
  retryBackoff: 'retry_backoff',
  /** Eligible, waiting for the scheduler to admit it (the rate-limiter decides). */
  awaitingAdmission: 'awaiting_admission',
  /** Jobs of the same tenant and job type go first (higher priority, or as high and older). */
  priority: 'priority',
  /** Admitted and dispatched; its job type's workers are busy with other jobs. */
  awaitingWorker: 'awaiting_worker',
  /** Admitted and dispatched, but no worker is running any job of the tenant's job type. */
  noWorker: 'no_worker',
} as const;
export type ExplainCode = (typeof ExplainCode)[keyof typeof ExplainCode];
export const EXPLAIN_CODES: readonly ExplainCode[] = Object.values(ExplainCode);

/** One thing that holds a job back or describes what it is doing, most decisive first. */
export interface ExplainReason {
  /** An {@link ExplainCode}, or the {@link ThrottleCode} of the limit that holds a `throttled` job. */
  code: ExplainCode | ThrottleCode;
  /** A sentence for people. */
  detail: string;
  /** When this reason stops holding the job, if known (ISO 8601). */
  until: string | null;
  /** The rule, quota, pause or breaker (throttle reasons only). */
  ruleId?: string | null;
  /** The limit's key (throttle reasons only). */
  key?: string | null;
}

/** `GET /api/v1/jobs/{id}/explain`: why a job is (not) running right now. */
export interface JobExplanation {
  jobId: string;
  status: JobStatus;
  /** True while a worker holds or runs it, or nothing but the scheduler's next pass or a free worker stands between it and a worker. */
  progressing: boolean;
  /** The first reason as one sentence. */
  summary: string;
  reasons: ExplainReason[];
  /** The earliest time the job can be admitted, when something time-bound holds it (null: now, or unknown/never). */
  nextEligibleAt: string | null;
  /** Its place among the tenant's eligible jobs of its type (queued or throttled), when it is one of them. */
  queue: { ahead: number; waiting: number } | null;
  /** Workers of the tenant's job type, as the ledger shows them (for eligible jobs). */
  workers: { running: number; lastStartedAt: string | null } | null;
  /** When this was computed (ISO 8601). */
  asOf: string;
}
