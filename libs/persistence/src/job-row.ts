import type { JobStatus, ThrottleReason } from '@orch/contracts';

/** A job row as plain data (camelCase); what ledger-writer mutates in memory. */
export interface JobRow {
  id: string;
  tenant: string;
  project: string;
  jobType: string;
  status: JobStatus;
  statusReason: string | null;
  priority: number;
  payload: Record<string, unknown>;
  payloadDigest: string;
  result: unknown;
  lastError: Record<string, unknown> | null;
  attempt: number;
  maxAttempts: number;
  runAt: Date | null;
  eligibleAt: Date | null;
  admittedAttempt: number | null;
  leaseId: string | null;
  fencingToken: number;
  leaseExpiresAt: Date | null;
  leaseMs: number | null;
  workerId: string | null;
  progressPercent: number | null;
  progressMessage: string | null;
  correlationId: string;
  idempotencyKey: string;
  runId: string | null;
  replayOf: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When an operator asked to cancel the job while it was leased or running. */
  cancelRequestedAt: Date | null;
  /** The operator's reason for that cancel. */
  cancelReason: string | null;
  /** The lease ends by then at the latest (cancel grace). */
  cancelDeadline: Date | null;
  /** When the running attempt must be done (its job type's execution timeout), or null. */
  deadlineAt: Date | null;
  /** The upstream source limits key on, or null. */
  source: string | null;
  /** Why a throttled job waits; null unless `status` is `throttled`. */
  throttle: ThrottleReason | null;
  /** The backfill that created the job, or null. */
  backfillId: string | null;
  /** The event-time window `[windowFrom, windowTo)` the job processes, or both null. */
  windowFrom: Date | null;
  windowTo: Date | null;
}

const COLUMNS: [keyof JobRow, string][] = [
  ['id', 'id'],
  ['tenant', 'tenant'],
  ['project', 'project'],
  ['jobType', 'job_type'],
  ['status', 'status'],
  ['statusReason', 'status_reason'],
  ['priority', 'priority'],
  ['payload', 'payload'],
  ['payloadDigest', 'payload_digest'],
  ['result', 'result'],
  ['lastError', 'last_error'],
  ['attempt', 'attempt'],
  ['maxAttempts', 'max_attempts'],
  ['runAt', 'run_at'],
  ['eligibleAt', 'eligible_at'],
  ['admittedAttempt', 'admitted_attempt'],
  ['leaseId', 'lease_id'],
  ['fencingToken', 'fencing_token'],
  ['leaseExpiresAt', 'lease_expires_at'],
  ['leaseMs', 'lease_ms'],
  ['workerId', 'worker_id'],
  ['progressPercent', 'progress_percent'],
  ['progressMessage', 'progress_message'],
  ['correlationId', 'correlation_id'],
  ['idempotencyKey', 'idempotency_key'],
  ['runId', 'run_id'],
  ['replayOf', 'replay_of'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
  ['startedAt', 'started_at'],
  ['finishedAt', 'finished_at'],
  ['cancelRequestedAt', 'cancel_requested_at'],
  ['cancelReason', 'cancel_reason'],
  ['cancelDeadline', 'cancel_deadline'],
  ['deadlineAt', 'deadline_at'],
  ['source', 'source'],
  ['throttle', 'throttle'],
  ['backfillId', 'backfill_id'],
  ['windowFrom', 'window_from'],
  ['windowTo', 'window_to'],
];
const DATE_FIELDS = new Set<keyof JobRow>([
  'runAt',
  'eligibleAt',
  'leaseExpiresAt',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'cancelRequestedAt',
  'cancelDeadline',
  'deadlineAt',
  'windowFrom',
  'windowTo',
]);

/** Column names of `ledger.jobs`, in table order. */
export const JOB_COLUMNS = COLUMNS.map(([, c]) => c);
/** Columns ledger-writer may change after insert. */
export const JOB_MUTABLE_COLUMNS = JOB_COLUMNS.filter(
  (c) => !['id', 'tenant', 'project', 'job_type', 'source', 'payload', 'payload_digest', 'correlation_id', 'idempotency_key', 'created_at', 'backfill_id', 'window_from', 'window_to'].includes(c),
);

/** A database row (snake_case, as `pg` returns it) to a {@link JobRow}. */
export function jobFromDb(r: Record<string, unknown>): JobRow {
  const out: Record<string, unknown> = {};
  for (const [field, col] of COLUMNS) {
    const v = r[col];
    if (DATE_FIELDS.has(field)) out[field] = v === null || v === undefined ? null : new Date(v as string);
    else if (field === 'fencingToken') out[field] = Number(v);
    else out[field] = v === undefined ? null : v;
  }
  return out as unknown as JobRow;
}

/** A {@link JobRow} to the snake_case JSON shape `jsonb_populate_recordset` reads. */
export function jobToDb(j: JobRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, col] of COLUMNS) {
    const v = j[field];
    out[col] = v instanceof Date ? v.toISOString() : v === undefined ? null : v;
  }
  return out;
}
