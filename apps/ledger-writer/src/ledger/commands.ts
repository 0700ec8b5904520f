import {
  AdmitCommand,
  AdmitResult,
  Allocation,
  CompleteRequest,
  CompleteResult,
  EventType,
  eventTypeForStatus,
  ExpireCommand,
  FailRequest,
  FailResult,
  FencedRequest,
  HeartbeatRequest,
  JobStatus,
  LeaseCommand,
  LeaseCommandResult,
  LeaseResult,
  ProgressRequest,
  PromoteCommand,
  PromoteResult,
  ThrottleCommand,
  ThrottleReason,
  ThrottleResult,
  TransitionReason,
} from '@orch/contracts';
import { backoffMs, decideFailure, digestOf } from '@orch/domain';
import { JobRow } from '@orch/persistence';
import { v4 as uuidv4 } from 'uuid';
import { endCanceled } from './cancel';
import { resolveDependants, waitsForParents } from './runs';
import { cancelRequested, clearLease, fenced, LedgerPolicy, leaseEnd, mustFind, transition } from './command-support';
import { CommandContext, UnitOfWork } from './unit-of-work';

export type { LedgerPolicy } from './command-support';
export { applySubmit, applySubmitBatch } from './submit';
export { applyCancel } from './cancel';
export { applyAudit } from './audit';
export { applySubmitRun } from './runs';

/** `promote`: pending jobs whose runAt has come become queued. Others are skipped. */
export function applyPromote(uow: UnitOfWork, ctx: CommandContext, cmd: PromoteCommand): PromoteResult {
  const promoted: string[] = [];
  for (const id of cmd.jobIds) {
    const job = uow.job(ctx.tenant, id);
    if (!job || job.status !== JobStatus.pending || waitsForParents(job)) continue;
    if (job.runAt && job.runAt.getTime() > uow.now.getTime()) continue;
    job.status = JobStatus.queued;
    job.statusReason = TransitionReason.runAtReached;
    uow.touch(job);
    uow.emit(job, EventType.queued, ctx, { reason: TransitionReason.runAtReached });
    promoted.push(id);
  }
  return { promoted };
}

/**
 * `admit`: the scheduler admitted these attempts; each gets exactly one
 * dispatch message (through the outbox, so it cannot be lost). A throttled job
 * goes back to `queued` first (event `job.queued`, reason `throttle_lifted`).
 * Jobs no longer queued or throttled at that attempt, or already admitted, are skipped.
 */
export function applyAdmit(uow: UnitOfWork, ctx: CommandContext, cmd: AdmitCommand): AdmitResult {
  const admitted: string[] = [];
  const skipped: string[] = [];
  const held: string[] = [];
  for (const item of cmd.jobs) {
    const job = uow.job(ctx.tenant, item.jobId);
    const admittable = job && (job.status === JobStatus.queued || job.status === JobStatus.throttled);
    if (!job || !admittable || job.attempt !== item.attempt || job.admittedAttempt === job.attempt) {
      skipped.push(item.jobId);
      continue;
    }
    // A paused backfill, or an overlapping window in flight (docs/backfills.md): the job waits throttled.
    const hold = uow.backfills.hold(job);
    if (hold) {
      holdJob(uow, ctx, job, hold.reason, null);
      held.push(item.jobId);
      continue;
    }
    if (job.status === JobStatus.throttled) {
      job.status = JobStatus.queued;
      job.statusReason = TransitionReason.throttleLifted;
      job.throttle = null;
      uow.emit(job, EventType.queued, ctx, { reason: TransitionReason.throttleLifted });
    }
    job.admittedAttempt = job.attempt;
    uow.touch(job);
    uow.dispatch(job, ctx);
    uow.backfills.admitted(job);
    admitted.push(item.jobId);
  }
  return { admitted, skipped, ...(held.length > 0 ? { held } : {}) };
}

/**
 * `throttle`: the rate-limiter held these attempts back. A queued job becomes
 * `throttled` (one `job.throttled` event carrying the reason); a throttled one
 * takes the new reason and next eligible time quietly (no event: it did not
 * change state). `eligibleAt` is the next eligible time, null while the job
 * waits for a slot or a resume.
 */
export function applyThrottle(uow: UnitOfWork, ctx: CommandContext, cmd: ThrottleCommand): ThrottleResult {
  const result: ThrottleResult = { throttled: [], updated: [], skipped: [] };
  for (const item of cmd.jobs) {
    const job = uow.job(ctx.tenant, item.jobId);
    const holdable = job && (job.status === JobStatus.queued || job.status === JobStatus.throttled);
    if (!job || !holdable || job.attempt !== item.attempt || job.admittedAttempt === job.attempt) {
      result.skipped.push(item.jobId);
      continue;
    }
    const outcome = holdJob(uow, ctx, job, item.reason, item.nextEligibleAt ? new Date(item.nextEligibleAt) : null);
    result[outcome].push(item.jobId);
  }
  return result;
}

/**
 * Holds a queued or throttled job back: a queued one becomes `throttled` (one `job.throttled`
 * event with the reason); a throttled one takes the new reason and eligible time quietly, or is
 * left alone when both are unchanged (`skipped`).
 */
function holdJob(uow: UnitOfWork, ctx: CommandContext, job: JobRow, held: ThrottleReason, eligibleAt: Date | null): 'throttled' | 'updated' | 'skipped' {
  const reason = { code: held.code, ruleId: held.ruleId ?? null, key: held.key ?? null, detail: held.detail };
  if (job.status === JobStatus.throttled) {
    const same = JSON.stringify(job.throttle) === JSON.stringify(reason) && (job.eligibleAt?.getTime() ?? null) === (eligibleAt?.getTime() ?? null);
    if (same) return 'skipped';
    job.throttle = reason;
    job.eligibleAt = eligibleAt;
    uow.touch(job);
    return 'updated';
  }
  job.status = JobStatus.throttled;
  job.statusReason = TransitionReason.throttled;
  job.throttle = reason;
  job.eligibleAt = eligibleAt;
  uow.touch(job);
  uow.emit(job, EventType.throttled, ctx, { reason: TransitionReason.throttled, throttle: reason, nextEligibleAt: eligibleAt?.toISOString() ?? null });
  return 'throttled';
}

/**
 * `lease`: turns dispatched attempts into allocations for one worker. A
 * dispatch message that no longer matches the job (already leased, a later
 * attempt, canceled) is refused per job, so the broker can drop it.
 */
export function applyLease(uow: UnitOfWork, ctx: CommandContext, cmd: LeaseCommand, policy: LedgerPolicy): LeaseCommandResult {
  const results: LeaseCommandResult['results'] = [];
  for (const item of cmd.jobs) {
    const job = uow.job(ctx.tenant, item.jobId);
    if (!job) {
      results.push({ jobId: item.jobId, ok: false, reason: 'not_found' });
      continue;
    }
    if (job.status !== JobStatus.queued || job.attempt !== item.attempt || job.admittedAttempt !== job.attempt) {
      results.push({ jobId: item.jobId, ok: false, reason: `stale_dispatch: job is ${job.status} at attempt ${job.attempt}` });
      continue;
    }
    job.status = JobStatus.leased;
    job.statusReason = TransitionReason.claimed;
    job.leaseId = uuidv4();
    job.fencingToken += 1;
    job.leaseMs = cmd.leaseMs;
    job.leaseExpiresAt = new Date(uow.now.getTime() + cmd.leaseMs);
    job.workerId = cmd.workerId;
    uow.touch(job);
    uow.emit(job, EventType.leased, { ...ctx, actor: { subject: `worker:${cmd.workerId}`, scopes: [] } }, {
      leaseId: job.leaseId,
      fencingToken: job.fencingToken,
      workerId: cmd.workerId,
      leaseMs: cmd.leaseMs,
    });
    results.push({ jobId: job.id, ok: true, allocation: allocationOf(job, policy) });
  }
  return { results };
}

/** The allocation handed to a worker for a freshly leased job. */
export function allocationOf(job: JobRow, policy: LedgerPolicy): Allocation {
  const leaseMs = job.leaseMs ?? 0;
  return {
    jobId: job.id,
    tenant: job.tenant,
    project: job.project,
    jobType: job.jobType,
    source: job.source ?? null,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    leaseId: job.leaseId!,
    fencingToken: job.fencingToken,
    leaseMs,
    leaseExpiresAt: job.leaseExpiresAt!.toISOString(),
    heartbeatMs: Math.max(250, Math.floor(leaseMs * policy.heartbeatFraction)),
    idempotencyKey: `orch-${job.id}-${job.attempt}`,
    retryHint: {
      attemptsLeft: job.maxAttempts - job.attempt,
      nextBackoffMs: job.attempt < job.maxAttempts ? backoffMs(job.attempt, { ...policy.backoff, jitter: 0 }) : 0,
      backoffBaseMs: policy.backoff.baseMs,
      backoffMaxMs: policy.backoff.maxMs,
    },
    payload: job.payload,
    priority: job.priority,
    correlationId: job.correlationId,
  };
}

/** What start/heartbeat/progress answer: the lease's end, and whether the worker should stop. */
function leaseResult(job: JobRow): LeaseResult {
  return { leaseExpiresAt: job.leaseExpiresAt!.toISOString(), cancelRequested: cancelRequested(job) };
}

/**
 * `start`: the worker acknowledged its allocation (leased → running). A job type with an
 * execution timeout gets the attempt's deadline (now + timeout), which caps the lease from here on.
 */
export function applyStart(uow: UnitOfWork, ctx: CommandContext, req: FencedRequest, policy?: LedgerPolicy): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  if (job.status === JobStatus.running) return leaseResult(job);
  transition(job, JobStatus.running);
  job.status = JobStatus.running;
  job.statusReason = TransitionReason.started;
  job.startedAt = job.startedAt ?? uow.now;
  const timeoutMs = policy?.timeouts?.get(job.jobType);
  if (timeoutMs !== undefined) {
    job.deadlineAt = new Date(uow.now.getTime() + timeoutMs);
    if (job.leaseExpiresAt) job.leaseExpiresAt = leaseEnd(job, job.leaseExpiresAt);
  }
  uow.touch(job);
  uow.emit(job, EventType.running, ctx, { leaseId: job.leaseId, workerId: job.workerId, ...(job.deadlineAt ? { deadlineAt: job.deadlineAt.toISOString() } : {}) });
  return leaseResult(job);
}

/**
 * `heartbeat`: extends a current lease (never past a cancel deadline). Not a
 * transition: no ledger event.
 */
export function applyHeartbeat(uow: UnitOfWork, ctx: CommandContext, req: HeartbeatRequest): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  const leaseMs = req.leaseMs ?? job.leaseMs ?? 30_000;
  job.leaseMs = leaseMs;
  job.leaseExpiresAt = leaseEnd(job, new Date(uow.now.getTime() + leaseMs));
  uow.touch(job);
  return leaseResult(job);
}

/** `progress`: records progress (and extends the lease like a heartbeat). */
export function applyProgress(uow: UnitOfWork, ctx: CommandContext, req: ProgressRequest): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  job.progressPercent = req.percent ?? job.progressPercent;
  job.progressMessage = req.message ?? job.progressMessage;
  job.leaseExpiresAt = leaseEnd(job, new Date(uow.now.getTime() + (job.leaseMs ?? 30_000)));
  uow.touch(job);
  uow.emit(job, EventType.progress, ctx, { percent: req.percent ?? null, message: req.message ?? null });
  return leaseResult(job);
}

/** `complete`: the attempt succeeded; terminal. */
export function applyComplete(uow: UnitOfWork, ctx: CommandContext, req: CompleteRequest): CompleteResult {
  const job = fenced(uow, ctx.tenant, req);
  transition(job, JobStatus.succeeded);
  job.status = JobStatus.succeeded;
  job.statusReason = TransitionReason.completed;
  job.result = req.result ?? null;
  job.finishedAt = uow.now;
  job.leaseExpiresAt = null;
  uow.touch(job);
  const startedAt = job.startedAt ?? job.createdAt;
  uow.emit(job, EventType.succeeded, ctx, {
    leaseId: job.leaseId,
    durationMs: uow.now.getTime() - startedAt.getTime(),
    resultDigest: digestOf(job.result ?? null),
  });
  resolveDependants(uow, ctx, job);
  return { status: job.status };
}

/** Ends an attempt that failed (worker-reported or lease expiry): retry or terminal + dead letter. */
function endAttempt(
  uow: UnitOfWork,
  ctx: CommandContext,
  job: JobRow,
  input: { retryable: boolean; retryAfterMs?: number; cause: 'worker_failure' | 'lease_expired' | 'execution_timeout'; error: Record<string, unknown> },
  policy: LedgerPolicy,
): FailResult {
  const decision = decideFailure(
    { attempt: job.attempt, maxAttempts: job.maxAttempts, retryable: input.retryable, retryAfterMs: input.retryAfterMs, cause: input.cause },
    policy.backoff,
    policy.random,
  );
  const target = decision.kind === 'retry' ? JobStatus.queued : decision.status;
  transition(job, target);
  const failedAttempt = job.attempt;
  const leaseId = job.leaseId;
  job.lastError = { ...input.error, attempt: failedAttempt };
  clearLease(job);
  uow.touch(job);
  if (decision.kind === 'retry') {
    job.status = JobStatus.queued;
    job.statusReason = decision.reason;
    job.attempt = decision.nextAttempt;
    job.eligibleAt = new Date(uow.now.getTime() + decision.backoffMs);
    job.progressPercent = null;
    job.progressMessage = null;
    uow.emit(job, EventType.queued, ctx, {
      reason: decision.reason,
      failedAttempt,
      leaseId,
      error: input.error,
      backoffMs: decision.backoffMs,
      eligibleAt: job.eligibleAt.toISOString(),
    });
    return { status: job.status, nextAttempt: job.attempt, eligibleAt: job.eligibleAt.toISOString(), backoffMs: decision.backoffMs };
  }
  job.status = decision.status;
  job.statusReason = input.cause === 'lease_expired' ? TransitionReason.leaseExpired : decision.reason;
  job.finishedAt = uow.now;
  uow.emit(job, eventTypeForStatus(job.status), ctx, { reason: job.statusReason, leaseId, error: input.error });
  uow.deadLetter(job, job.statusReason);
  uow.emit(job, EventType.deadLettered, ctx, { reason: job.statusReason, error: input.error });
  resolveDependants(uow, ctx, job);
  return { status: job.status };
}

/**
 * `fail`: the worker reports a failed attempt. After a cancel request the job
 * ends `canceled`, whatever the error says (no retry, no dead letter).
 */
export function applyFail(uow: UnitOfWork, ctx: CommandContext, req: FailRequest, policy: LedgerPolicy): FailResult {
  const job = fenced(uow, ctx.tenant, req);
  if (cancelRequested(job)) {
    const error = { code: req.error.code, message: req.error.message, retryable: req.error.retryable ?? true };
    return endCanceled(uow, ctx, job, TransitionReason.canceledByOperator, error);
  }
  return endAttempt(
    uow,
    ctx,
    job,
    {
      retryable: req.error.retryable ?? true,
      retryAfterMs: req.error.retryAfterMs,
      cause: 'worker_failure',
      error: { code: req.error.code, message: req.error.message, retryable: req.error.retryable ?? true },
    },
    policy,
  );
}

/**
 * `expire`: the reaper found the lease past its expiry. Applies only if the
 * lease is still the one the reaper saw (same fencing token) and still expired:
 * a heartbeat that got in first wins. A cancel-requested job ends `canceled`
 * (`cancel_grace_expired`) instead of being retried.
 */
export function applyExpire(uow: UnitOfWork, ctx: CommandContext, cmd: ExpireCommand, policy: LedgerPolicy): FailResult | { status: JobStatus; skipped: true } {
  const job = mustFind(uow, ctx.tenant, cmd.jobId);
  const stillExpired =
    (job.status === JobStatus.leased || job.status === JobStatus.running) &&
    job.fencingToken === cmd.fencingToken &&
    job.leaseExpiresAt !== null &&
    job.leaseExpiresAt.getTime() <= uow.now.getTime();
  if (!stillExpired) return { status: job.status, skipped: true };
  if (cancelRequested(job)) return endCanceled(uow, ctx, job, TransitionReason.cancelGraceExpired, null);
  if (job.deadlineAt !== null && job.deadlineAt.getTime() <= uow.now.getTime()) {
    // The lease ran out at the execution deadline: the attempt overran its job type's timeout.
    const ranMs = job.startedAt ? uow.now.getTime() - job.startedAt.getTime() : null;
    return endAttempt(
      uow,
      ctx,
      job,
      {
        retryable: true,
        cause: 'execution_timeout',
        error: { code: 'execution_timeout', message: `attempt ${job.attempt} ran past its execution timeout (deadline ${job.deadlineAt.toISOString()}${ranMs !== null ? `, ${ranMs} ms after start` : ''})`, retryable: true },
      },
      policy,
    );
  }
  return endAttempt(
    uow,
    ctx,
    job,
    {
      retryable: true,
      cause: 'lease_expired',
      error: { code: 'lease_expired', message: `lease expired on worker ${job.workerId ?? 'unknown'}`, retryable: true },
    },
    policy,
  );
}
