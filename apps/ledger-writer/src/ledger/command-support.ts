import { FencedRequest, JobStatus, OrchError } from '@orch/contracts';
import { assertTransition, BackoffPolicy, checkFence, TransitionRefused } from '@orch/domain';
import type { IdempotencyRecord, JobRow } from '@orch/persistence';
import type { UnitOfWork } from './unit-of-work';

/** Ledger-writer policy knobs (from config). */
export interface LedgerPolicy {
  backoff: BackoffPolicy;
  /** Heartbeat cadence suggested to workers, as a fraction of the lease. */
  heartbeatFraction: number;
  /** How long a leased/running job's worker may take to stop after a cancel request (`CANCEL_GRACE_MS`). */
  cancelGraceMs: number;
  /** Execution timeout per job type (`JOB_TIMEOUTS`); a type not in it has none. */
  timeouts?: ReadonlyMap<string, number>;
  random: () => number;
}

/** A refused transition as the stable error workers and the api see. */
export function refused(err: unknown): never {
  if (err instanceof TransitionRefused) throw new OrchError('invalidTransition', err.message, { retryable: false });
  throw err;
}

/** Checks that the state machine allows `job` to move to `to` (409 invalid_transition if not). */
export function transition(job: JobRow, to: JobStatus): void {
  try {
    assertTransition(job.status, to);
  } catch (err) {
    refused(err);
  }
}

/** The tenant's job, or 404 (another tenant's job is not found either). */
export function mustFind(uow: UnitOfWork, tenant: string, id: string): JobRow {
  const job = uow.job(tenant, id);
  if (!job) throw new OrchError('notFound', `job ${id} not found`, { retryable: false });
  return job;
}

/** Checks a worker's lease; refuses stale or expired leases (fencing). */
export function fenced(uow: UnitOfWork, tenant: string, req: FencedRequest): JobRow {
  const job = mustFind(uow, tenant, req.jobId);
  const verdict = checkFence(job, { leaseId: req.leaseId, fencingToken: req.fencingToken }, uow.now);
  if (!verdict.ok) {
    throw new OrchError('staleLease', `lease ${req.leaseId} (token ${req.fencingToken}) on job ${job.id} is not current: ${verdict.reason}`, {
      retryable: false,
    });
  }
  return job;
}

export function clearLease(job: JobRow): void {
  job.leaseId = null;
  job.leaseExpiresAt = null;
  job.leaseMs = null;
  job.deadlineAt = null;
}

/**
 * The lease end a renewal (heartbeat, progress) may grant: `wanted`, but never
 * past the cancel deadline once a cancel was requested, nor past the attempt's
 * execution deadline.
 */
export function leaseEnd(job: JobRow, wanted: Date): Date {
  let end = wanted;
  for (const cap of [job.cancelDeadline, job.deadlineAt]) if (cap && cap.getTime() < end.getTime()) end = cap;
  return end;
}

/** Whether an operator asked to cancel the job's current lease. */
export function cancelRequested(job: JobRow): boolean {
  return job.cancelRequestedAt !== null;
}

/** The Idempotency-Key fields of a deduplicated command. */
export interface IdempotencyInput {
  scope: string;
  key: string;
  requestDigest: string;
}

/**
 * Deduplication for any command carrying an idempotency key: no record → undefined
 * (apply the command, then {@link UnitOfWork.remember} what it produced); a
 * record with the same digest → the reply rebuilt from it; another digest →
 * 409 `idempotency_conflict`. Nothing is changed in either of the last two cases.
 */
export function replayIdempotent<T>(
  uow: UnitOfWork,
  tenant: string,
  ref: IdempotencyInput,
  rebuild: (record: IdempotencyRecord) => T,
): T | undefined {
  const existing = uow.findIdempotency(tenant, ref.scope, ref.key);
  if (!existing) return undefined;
  if (existing.requestDigest !== ref.requestDigest) {
    throw new OrchError('idempotencyConflict', `Idempotency-Key "${ref.key}" was used with a different request`, { retryable: false });
  }
  return rebuild(existing);
}

/** The jobs an idempotency record points at, in reply order (`submit` stores one `jobId`). */
export function recordedJobIds(record: IdempotencyRecord): string[] {
  if (Array.isArray(record.result?.jobIds)) return record.result.jobIds;
  return record.jobId ? [record.jobId] : [];
}

/** A job an idempotency record points at; its absence is a ledger defect, not the caller's. */
export function recordedJob(uow: UnitOfWork, tenant: string, id: string): JobRow {
  const job = uow.job(tenant, id);
  if (!job) throw new OrchError('internal', `idempotency record points at missing job ${id}`);
  return job;
}
