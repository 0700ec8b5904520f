import {
  AuditActions,
  AuditTargetTypes,
  CancelJobCommand,
  CancelJobResult,
  CancelRunCommand,
  CancelRunResult,
  EventType,
  FailResult,
  JobStatus,
  OperatorContext,
  OrchError,
  TransitionReason,
} from '@orch/contracts';
import type { JobRow } from '@orch/persistence';
import { toJobView } from '@orch/persistence';
import { clearLease, LedgerPolicy, mustFind, recordedJob, recordedJobIds, replayIdempotent, transition } from './command-support';
import { resolveDependants } from './runs';
import { CommandContext, UnitOfWork } from './unit-of-work';

/** Not yet handed to a worker: a cancel ends these at once. */
const CANCEL_AT_ONCE: ReadonlySet<JobStatus> = new Set<JobStatus>([JobStatus.pending, JobStatus.queued, JobStatus.throttled]);
/** A worker holds the job: a cancel is requested and the worker gets a grace period. */
const CANCEL_BY_REQUEST: ReadonlySet<JobStatus> = new Set<JobStatus>([JobStatus.leased, JobStatus.running]);

/**
 * `cancel` (see CancelJobCommand for the contract): cancels a pending, queued
 * or throttled job at once; for a leased or running one records the request,
 * caps the lease at now + cancel grace and emits `job.cancel_requested` (the
 * lease-broker relays it to the worker). A terminal or already cancel-requested
 * job is left as is (`changed: false`). Writes one `job.cancel` audit entry,
 * except on an idempotent replay.
 */
export function applyCancel(uow: UnitOfWork, ctx: CommandContext, cmd: CancelJobCommand, policy: LedgerPolicy): CancelJobResult {
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => {
      const [id] = recordedJobIds(rec);
      return { job: toJobView(recordedJob(uow, ctx.tenant, id)), changed: rec.result?.['changed'] === true };
    });
    if (replay) return replay;
  }
  const job = mustFind(uow, ctx.tenant, cmd.jobId);
  const before = auditState(job);
  let changed = false;
  if (CANCEL_AT_ONCE.has(job.status)) {
    cancelNow(uow, ctx, job, cmd.operator);
    changed = true;
  } else if (CANCEL_BY_REQUEST.has(job.status) && job.cancelRequestedAt === null) {
    requestCancel(uow, ctx, job, cmd.operator, policy.cancelGraceMs);
    changed = true;
  }
  uow.appendAudit(ctx.tenant, {
    project: job.project,
    action: AuditActions.jobCancel,
    targetType: AuditTargetTypes.job,
    targetId: job.id,
    operator: cmd.operator,
    before,
    after: auditState(job),
  });
  if (cmd.idempotency) {
    uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: job.id, result: { jobIds: [job.id], changed } });
  }
  return { job: toJobView(job), changed };
}

function cancelNow(uow: UnitOfWork, ctx: CommandContext, job: JobRow, operator: OperatorContext, resolve = true): void {
  transition(job, JobStatus.canceled);
  job.status = JobStatus.canceled;
  job.statusReason = TransitionReason.canceledByOperator;
  job.finishedAt = uow.now;
  uow.touch(job);
  uow.emit(job, EventType.canceled, ctx, { reason: TransitionReason.canceledByOperator, operatorReason: operator.reason, ticket: operator.ticket ?? null });
  if (resolve) resolveDependants(uow, ctx, job);
}

function requestCancel(uow: UnitOfWork, ctx: CommandContext, job: JobRow, operator: OperatorContext, graceMs: number): void {
  const deadline = new Date(uow.now.getTime() + graceMs);
  job.cancelRequestedAt = uow.now;
  job.cancelReason = operator.reason;
  job.cancelDeadline = deadline;
  // The lease may already end sooner (or have ended, awaiting the reaper): never lengthen it.
  if (job.leaseExpiresAt === null || job.leaseExpiresAt.getTime() > deadline.getTime()) job.leaseExpiresAt = deadline;
  uow.touch(job);
  uow.emit(job, EventType.cancelRequested, ctx, {
    reason: operator.reason,
    ticket: operator.ticket ?? null,
    deadline: deadline.toISOString(),
    leaseId: job.leaseId,
  });
}

/**
 * Ends the attempt of a cancel-requested job as `canceled`: the worker
 * reported `fail` (whatever its error says), or its lease ran out. No retry,
 * no dead letter.
 */
export function endCanceled(
  uow: UnitOfWork,
  ctx: CommandContext,
  job: JobRow,
  reason: TransitionReason,
  error: Record<string, unknown> | null,
): FailResult {
  transition(job, JobStatus.canceled);
  const leaseId = job.leaseId;
  if (error) job.lastError = { ...error, attempt: job.attempt };
  clearLease(job);
  job.status = JobStatus.canceled;
  job.statusReason = reason;
  job.finishedAt = uow.now;
  uow.touch(job);
  uow.emit(job, EventType.canceled, ctx, {
    reason,
    leaseId,
    operatorReason: job.cancelReason,
    cancelRequestedAt: job.cancelRequestedAt?.toISOString() ?? null,
    error,
  });
  resolveDependants(uow, ctx, job);
  return { status: job.status };
}

/**
 * `cancel-run` (see CancelRunCommand): cancels every unfinished job of the run at once or by
 * request, like `cancel` does one job. Dependants are not resolved here: every job of the run is
 * canceled in this same transaction, so there is nothing left to queue or cancel downstream (a
 * cancel-requested job resolves its — already canceled — children when it ends).
 * `jobIds` are the run's jobs, read by the group commit (empty: no such run of the tenant).
 */
export function applyCancelRun(uow: UnitOfWork, ctx: CommandContext, cmd: CancelRunCommand, policy: LedgerPolicy, jobIds: readonly string[]): CancelRunResult {
  const runId = cmd.runId.toLowerCase();
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => ({
      runId,
      canceled: (rec.result?.['canceled'] as string[] | undefined) ?? [],
      cancelRequested: (rec.result?.['cancelRequested'] as string[] | undefined) ?? [],
      changed: rec.result?.['changed'] === true,
    }));
    if (replay) return replay;
  }
  const jobs = jobIds.map((id) => uow.job(ctx.tenant, id)).filter((j): j is JobRow => j !== undefined);
  if (jobs.length === 0) throw new OrchError('notFound', `run ${runId} not found`, { retryable: false });
  const { canceled, cancelRequested, before, after } = cancelJobs(uow, ctx, jobs, cmd.operator, policy);
  const changed = canceled.length + cancelRequested.length > 0;
  uow.appendAudit(ctx.tenant, {
    project: jobs[0].project,
    action: AuditActions.runCancel,
    targetType: AuditTargetTypes.run,
    targetId: runId,
    operator: cmd.operator,
    before: { jobs: before },
    after: { jobs: after, canceled, cancelRequested },
  });
  if (cmd.idempotency) {
    uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: { jobIds: [...canceled, ...cancelRequested], canceled, cancelRequested, changed } });
  }
  return { runId, canceled, cancelRequested, changed };
}

/** What {@link cancelJobs} did, and the jobs counted by status before and after. */
export interface CancelJobsOutcome {
  canceled: string[];
  cancelRequested: string[];
  before: Record<string, number>;
  after: Record<string, number>;
}

/**
 * Cancels a set of jobs of one operator action (a run, a backfill): pending, queued and throttled
 * ones at once, leased and running ones by request (their workers are told and get the grace
 * period). Dependants are not resolved: the caller cancels every job of the set in this transaction.
 */
export function cancelJobs(uow: UnitOfWork, ctx: CommandContext, jobs: readonly JobRow[], operator: OperatorContext, policy: LedgerPolicy): CancelJobsOutcome {
  const canceled: string[] = [];
  const cancelRequested: string[] = [];
  const count = () => {
    const n: Record<string, number> = {};
    for (const job of jobs) n[job.status] = (n[job.status] ?? 0) + 1;
    return n;
  };
  const before = count();
  for (const job of jobs) {
    if (CANCEL_AT_ONCE.has(job.status)) {
      cancelNow(uow, ctx, job, operator, false);
      canceled.push(job.id);
    } else if (CANCEL_BY_REQUEST.has(job.status) && job.cancelRequestedAt === null) {
      requestCancel(uow, ctx, job, operator, policy.cancelGraceMs);
      cancelRequested.push(job.id);
    }
  }
  return { canceled, cancelRequested, before, after: count() };
}

/** The job fields an audit entry records before and after an operator action. */
export function auditState(job: JobRow): Record<string, unknown> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    status: job.status,
    statusReason: job.statusReason,
    attempt: job.attempt,
    leaseExpiresAt: iso(job.leaseExpiresAt),
    cancelRequestedAt: iso(job.cancelRequestedAt),
    cancelDeadline: iso(job.cancelDeadline),
    finishedAt: iso(job.finishedAt),
  };
}
