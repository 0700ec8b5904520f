/** Job states (see docs/architecture.md#job-states). */
export const JobStatus = {
  pending: 'pending',
  queued: 'queued',
  throttled: 'throttled',
  leased: 'leased',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
  timedOut: 'timed_out',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  JobStatus.succeeded,
  JobStatus.failed,
  JobStatus.canceled,
  JobStatus.timedOut,
]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Ledger / notifier event types. One per state transition, plus the few non-transition facts. */
export const EventType = {
  created: 'job.created',
  queued: 'job.queued',
  throttled: 'job.throttled',
  leased: 'job.leased',
  running: 'job.running',
  progress: 'job.progress',
  succeeded: 'job.succeeded',
  failed: 'job.failed',
  canceled: 'job.canceled',
  /** An operator asked to cancel a leased/running job; not a transition (the job keeps its status). */
  cancelRequested: 'job.cancel_requested',
  timedOut: 'job.timed_out',
  deadLettered: 'job.dead_lettered',
  log: 'job.log',
  artifact: 'job.artifact',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** The event a transition into `status` is recorded as. */
export function eventTypeForStatus(status: JobStatus): EventType {
  return `job.${status}` as EventType;
}

/** Why a job moved (stable codes, also used by `explain`). */
export const TransitionReason = {
  submitted: 'submitted',
  runAtReached: 'run_at_reached',
  waitingRunAt: 'waiting_run_at',
  claimed: 'claimed',
  started: 'started',
  completed: 'completed',
  retryBackoff: 'retry_backoff',
  leaseExpired: 'lease_expired',
  attemptsExhausted: 'attempts_exhausted',
  nonRetryable: 'non_retryable',
  /** An operator canceled the job (at once, or its worker stopped after a cancel request). */
  canceledByOperator: 'canceled_by_operator',
  /** A cancel was requested and the worker did not report before the grace deadline (its lease ran out). */
  cancelGraceExpired: 'cancel_grace_expired',
  /** A limit, quota, pause or open breaker holds the job (details in `JobView.throttle`). */
  throttled: 'throttled',
  /** The limit that held the job let it through; it was admitted at once. */
  throttleLifted: 'throttle_lifted',
  /** A job of a DAG run waits `pending` until its parents are resolved (docs/runs.md). */
  waitingParents: 'waiting_parents',
  /** Every parent of a DAG run's job is resolved: it was queued (or waits for its runAt). */
  parentsResolved: 'parents_resolved',
  /** The attempt ran past its job type's execution timeout (`JOB_TIMEOUTS`): retried, or the job ends `timed_out`. */
  executionTimeout: 'execution_timeout',
  /** A parent ended failed/canceled/timed_out and the run's policy is `cancel`. */
  parentFailed: 'parent_failed',
} as const;
export type TransitionReason = (typeof TransitionReason)[keyof typeof TransitionReason];
