import {
  AdmitCommand,
  AdmitResult,
  Allocation,
  CompleteRequest,
  CompleteResult,
  EventType,
  ExpireCommand,
  FailRequest,
  FailResult,
  FencedRequest,
  HeartbeatRequest,
  JobLimits,
  JobStatus,
  LeaseCommand,
  LeaseCommandResult,
  LeaseResult,
  OrchError,
  ProgressRequest,
  PromoteCommand,
  PromoteResult,
  SubmitJobCommand,
  SubmitJobResult,
  TransitionReason,
} from '@orch/contracts';
import {
  BackoffPolicy,
  assertTransition,
  backoffMs,
  checkFence,
  decideFailure,
  digestOf,
  TransitionRefused,
} from '@orch/domain';
import { JobRow, toJobView } from '@orch/persistence';
import { v4 as uuidv4 } from 'uuid';
import { v7 as uuidv7 } from 'uuid';
import { CommandContext, UnitOfWork } from './unit-of-work';

/** Ledger-writer policy knobs (from config). */
export interface LedgerPolicy {
  backoff: BackoffPolicy;
  /** Heartbeat cadence suggested to workers, as a fraction of the lease. */
  heartbeatFraction: number;
  random: () => number;
}

function refused(err: unknown): never {
  if (err instanceof TransitionRefused) throw new OrchError('invalidTransition', err.message, { retryable: false });
  throw err;
}

function transition(job: JobRow, to: JobStatus): void {
  try {
    assertTransition(job.status, to);
  } catch (err) {
    refused(err);
  }
}

function mustFind(uow: UnitOfWork, tenant: string, id: string): JobRow {
  const job = uow.job(tenant, id);
  if (!job) throw new OrchError('notFound', `job ${id} not found`, { retryable: false });
  return job;
}

/** Checks a worker's lease; refuses stale or expired leases (fencing). */
function fenced(uow: UnitOfWork, tenant: string, req: FencedRequest): JobRow {
  const job = mustFind(uow, tenant, req.jobId);
  const verdict = checkFence(job, { leaseId: req.leaseId, fencingToken: req.fencingToken }, uow.now);
  if (!verdict.ok) {
    throw new OrchError('staleLease', `lease ${req.leaseId} (token ${req.fencingToken}) on job ${job.id} is not current: ${verdict.reason}`, {
      retryable: false,
    });
  }
  return job;
}

function clearLease(job: JobRow): void {
  job.leaseId = null;
  job.leaseExpiresAt = null;
  job.leaseMs = null;
}

/**
 * `submit`: creates the job, or returns the one an earlier call with the same
 * Idempotency-Key and body created; the same key with another body is a 409.
 * A job with a future `runAt` waits `pending`; otherwise it is `queued` now.
 */
export function applySubmit(uow: UnitOfWork, ctx: CommandContext, cmd: SubmitJobCommand): SubmitJobResult {
  const existing = uow.findIdempotency(ctx.tenant, cmd.scope, cmd.idempotencyKey);
  if (existing) {
    if (existing.requestDigest !== cmd.requestDigest) {
      throw new OrchError('idempotencyConflict', `Idempotency-Key "${cmd.idempotencyKey}" was used with a different request body`, {
        retryable: false,
      });
    }
    const job = uow.job(ctx.tenant, existing.jobId);
    if (!job) throw new OrchError('internal', `idempotency record points at missing job ${existing.jobId}`);
    return { created: false, job: toJobView(job) };
  }
  const now = uow.now;
  const runAt = cmd.runAt ? new Date(cmd.runAt) : null;
  const delayed = runAt !== null && runAt.getTime() > now.getTime();
  const job: JobRow = {
    id: uuidv7(),
    tenant: ctx.tenant,
    project: cmd.project,
    jobType: cmd.jobType,
    status: JobStatus.pending,
    statusReason: TransitionReason.submitted,
    priority: cmd.priority ?? JobLimits.priorityDefault,
    payload: cmd.payload,
    payloadDigest: digestOf(cmd.payload),
    result: null,
    lastError: null,
    attempt: 1,
    maxAttempts: cmd.maxAttempts ?? JobLimits.maxAttemptsDefault,
    runAt,
    eligibleAt: runAt,
    admittedAttempt: null,
    leaseId: null,
    fencingToken: 0,
    leaseExpiresAt: null,
    leaseMs: null,
    workerId: null,
    progressPercent: null,
    progressMessage: null,
    correlationId: ctx.correlationId,
    idempotencyKey: cmd.idempotencyKey,
    runId: null,
    replayOf: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
  };
  uow.insertJob(job, { tenant: ctx.tenant, scope: cmd.scope, key: cmd.idempotencyKey, requestDigest: cmd.requestDigest, jobId: job.id });
  uow.emit(job, EventType.created, ctx, { priority: job.priority, maxAttempts: job.maxAttempts, runAt: cmd.runAt ?? null });
  if (delayed) {
    job.statusReason = TransitionReason.waitingRunAt;
  } else {
    job.status = JobStatus.queued;
    job.statusReason = TransitionReason.submitted;
    uow.emit(job, EventType.queued, ctx, { reason: TransitionReason.submitted });
  }
  return { created: true, job: toJobView(job) };
}

/** `promote`: pending jobs whose runAt has come become queued. Others are skipped. */
export function applyPromote(uow: UnitOfWork, ctx: CommandContext, cmd: PromoteCommand): PromoteResult {
  const promoted: string[] = [];
  for (const id of cmd.jobIds) {
    const job = uow.job(ctx.tenant, id);
    if (!job || job.status !== JobStatus.pending) continue;
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
 * dispatch message (through the outbox, so it cannot be lost). Jobs no longer
 * queued at that attempt, or already admitted, are skipped.
 */
export function applyAdmit(uow: UnitOfWork, ctx: CommandContext, cmd: AdmitCommand): AdmitResult {
  const admitted: string[] = [];
  const skipped: string[] = [];
  for (const item of cmd.jobs) {
    const job = uow.job(ctx.tenant, item.jobId);
    if (!job || job.status !== JobStatus.queued || job.attempt !== item.attempt || job.admittedAttempt === job.attempt) {
      skipped.push(item.jobId);
      continue;
    }
    job.admittedAttempt = job.attempt;
    uow.touch(job);
    uow.dispatch(job, ctx);
    admitted.push(item.jobId);
  }
  return { admitted, skipped };
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

/** `start`: the worker acknowledged its allocation (leased → running). */
export function applyStart(uow: UnitOfWork, ctx: CommandContext, req: FencedRequest): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  if (job.status === JobStatus.running) return { leaseExpiresAt: job.leaseExpiresAt!.toISOString(), cancelRequested: false };
  transition(job, JobStatus.running);
  job.status = JobStatus.running;
  job.statusReason = TransitionReason.started;
  job.startedAt = job.startedAt ?? uow.now;
  uow.touch(job);
  uow.emit(job, EventType.running, ctx, { leaseId: job.leaseId, workerId: job.workerId });
  return { leaseExpiresAt: job.leaseExpiresAt!.toISOString(), cancelRequested: false };
}

/** `heartbeat`: extends a current lease. Not a transition: no ledger event. */
export function applyHeartbeat(uow: UnitOfWork, ctx: CommandContext, req: HeartbeatRequest): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  const leaseMs = req.leaseMs ?? job.leaseMs ?? 30_000;
  job.leaseMs = leaseMs;
  job.leaseExpiresAt = new Date(uow.now.getTime() + leaseMs);
  uow.touch(job);
  return { leaseExpiresAt: job.leaseExpiresAt.toISOString(), cancelRequested: false };
}

/** `progress`: records progress (and extends the lease like a heartbeat). */
export function applyProgress(uow: UnitOfWork, ctx: CommandContext, req: ProgressRequest): LeaseResult {
  const job = fenced(uow, ctx.tenant, req);
  job.progressPercent = req.percent ?? job.progressPercent;
  job.progressMessage = req.message ?? job.progressMessage;
  job.leaseExpiresAt = new Date(uow.now.getTime() + (job.leaseMs ?? 30_000));
  uow.touch(job);
  uow.emit(job, EventType.progress, ctx, { percent: req.percent ?? null, message: req.message ?? null });
  return { leaseExpiresAt: job.leaseExpiresAt.toISOString(), cancelRequested: false };
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
  return { status: job.status };
}

/** Ends an attempt that failed (worker-reported or lease expiry): retry or terminal + dead letter. */
function endAttempt(
  uow: UnitOfWork,
  ctx: CommandContext,
  job: JobRow,
  input: { retryable: boolean; retryAfterMs?: number; cause: 'worker_failure' | 'lease_expired'; error: Record<string, unknown> },
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
  uow.emit(job, EventType.failed, ctx, { reason: job.statusReason, leaseId, error: input.error });
  uow.deadLetter(job, job.statusReason);
  uow.emit(job, EventType.deadLettered, ctx, { reason: job.statusReason, error: input.error });
  return { status: job.status };
}

/** `fail`: the worker reports a failed attempt. */
export function applyFail(uow: UnitOfWork, ctx: CommandContext, req: FailRequest, policy: LedgerPolicy): FailResult {
  const job = fenced(uow, ctx.tenant, req);
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
 * a heartbeat that got in first wins.
 */
export function applyExpire(uow: UnitOfWork, ctx: CommandContext, cmd: ExpireCommand, policy: LedgerPolicy): FailResult | { status: JobStatus; skipped: true } {
  const job = mustFind(uow, ctx.tenant, cmd.jobId);
  const stillExpired =
    (job.status === JobStatus.leased || job.status === JobStatus.running) &&
    job.fencingToken === cmd.fencingToken &&
    job.leaseExpiresAt !== null &&
    job.leaseExpiresAt.getTime() <= uow.now.getTime();
  if (!stillExpired) return { status: job.status, skipped: true };
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
