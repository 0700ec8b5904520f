import {
  EventType,
  JobLimits,
  JobStatus,
  jobWindowProblem,
  OrchError,
  SubmitBatchCommand,
  SubmitBatchResult,
  SubmitJobCommand,
  SubmitJobRequest,
  SubmitJobResult,
  TransitionReason,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { JobRow, toJobView } from '@orch/persistence';
import { v7 as uuidv7 } from 'uuid';
import { recordedJob, recordedJobIds, replayIdempotent } from './command-support';
import { CommandContext, UnitOfWork } from './unit-of-work';

/**
 * `submit`: creates the job, or returns the one an earlier call with the same
 * Idempotency-Key and body created; the same key with another body is a 409.
 * A job with a future `runAt` waits `pending`; otherwise it is `queued` now.
 * The job belongs to the envelope's tenant, whatever the body says.
 */
export function applySubmit(uow: UnitOfWork, ctx: CommandContext, cmd: SubmitJobCommand): SubmitJobResult {
  const ref = { scope: cmd.scope, key: cmd.idempotencyKey, requestDigest: cmd.requestDigest };
  const replay = replayIdempotent(uow, ctx.tenant, ref, (rec) => {
    const [id] = recordedJobIds(rec);
    return { created: false, job: toJobView(recordedJob(uow, ctx.tenant, id)) };
  });
  if (replay) return replay;
  const job = newJob(uow, ctx, cmd, cmd.idempotencyKey);
  uow.insertJob(job, { tenant: ctx.tenant, scope: cmd.scope, key: cmd.idempotencyKey, requestDigest: cmd.requestDigest, jobId: job.id, result: null });
  admitNew(uow, ctx, job, cmd.runAt);
  return { created: true, job: toJobView(job) };
}

/**
 * `submit-batch`: creates every job of the batch in this transaction, or none
 * (the command is refused as a whole before anything is added). One
 * idempotency record covers the batch; a replay rebuilds the reply from the
 * recorded job ids and the jobs as they are now.
 */
export function applySubmitBatch(uow: UnitOfWork, ctx: CommandContext, cmd: SubmitBatchCommand): SubmitBatchResult {
  const ref = { scope: cmd.scope, key: cmd.idempotencyKey, requestDigest: cmd.requestDigest };
  const replay = replayIdempotent(uow, ctx.tenant, ref, (rec) => ({
    created: false,
    jobs: recordedJobIds(rec).map((id) => toJobView(recordedJob(uow, ctx.tenant, id))),
  }));
  if (replay) return replay;
  // Build everything first: nothing reaches the unit of work unless every item is accepted.
  const jobs = cmd.jobs.map((item, i) => newJob(uow, ctx, item, `${cmd.idempotencyKey}#${i}`));
  for (const [i, job] of jobs.entries()) {
    uow.insertJob(job);
    admitNew(uow, ctx, job, cmd.jobs[i].runAt);
  }
  uow.remember({
    tenant: ctx.tenant,
    scope: cmd.scope,
    key: cmd.idempotencyKey,
    requestDigest: cmd.requestDigest,
    jobId: null,
    result: { jobIds: jobs.map((j) => j.id) },
  });
  return { created: true, jobs: jobs.map(toJobView) };
}

/** A new job row of the envelope's tenant, `pending` until {@link admitNew} decides. */
export function newJob(uow: UnitOfWork, ctx: CommandContext, req: SubmitJobRequest, idempotencyKey: string): JobRow {
  const now = uow.now;
  const problem = jobWindowProblem(req);
  if (problem) throw new OrchError('validation', `${problem.path}: ${problem.message}`, { errors: [problem], retryable: false });
  const runAt = req.runAt ? new Date(req.runAt) : null;
  return {
    id: uuidv7(),
    tenant: ctx.tenant,
    project: req.project,
    jobType: req.jobType,
    source: req.source ?? null,
    throttle: null,
    status: JobStatus.pending,
    statusReason: TransitionReason.submitted,
    priority: req.priority ?? JobLimits.priorityDefault,
    payload: req.payload,
    payloadDigest: digestOf(req.payload),
    result: null,
    lastError: null,
    attempt: 1,
    maxAttempts: req.maxAttempts ?? JobLimits.maxAttemptsDefault,
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
    idempotencyKey,
    runId: null,
    replayOf: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    cancelRequestedAt: null,
    cancelReason: null,
    cancelDeadline: null,
    deadlineAt: null,
    backfillId: null,
    windowFrom: req.window ? new Date(req.window.from) : null,
    windowTo: req.window ? new Date(req.window.to) : null,
  };
}

/** Emits `job.created`, then queues the job now or leaves it pending until its runAt. */
export function admitNew(uow: UnitOfWork, ctx: CommandContext, job: JobRow, runAtIso: string | undefined, extra: Record<string, unknown> = {}): void {
  const window = job.windowFrom && job.windowTo ? { window: { from: job.windowFrom.toISOString(), to: job.windowTo.toISOString() } } : {};
  uow.emit(job, EventType.created, ctx, { priority: job.priority, maxAttempts: job.maxAttempts, runAt: runAtIso ?? null, ...window, ...extra });
  const delayed = job.runAt !== null && job.runAt.getTime() > uow.now.getTime();
  if (delayed) {
    job.statusReason = TransitionReason.waitingRunAt;
    return;
  }
  job.status = JobStatus.queued;
  job.statusReason = TransitionReason.submitted;
  uow.emit(job, EventType.queued, ctx, { reason: TransitionReason.submitted });
}
