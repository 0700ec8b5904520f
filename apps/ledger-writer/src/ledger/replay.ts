import {
  AuditTargetTypes,
  isTerminal,
  OrchError,
  PurgeDeadLettersCommand,
  PurgeDeadLettersResult,
  ReplayAuditActions,
  ReplayedJob,
  ReplayJobsCommand,
  ReplayJobsResult,
  ReplaySkipReason,
  SkippedJob,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import type { JobRow } from '@orch/persistence';
import { mustFind, recordedJob, recordedJobIds, replayIdempotent } from './command-support';
import { admitNew, newJob } from './submit';
import { CommandContext, UnitOfWork } from './unit-of-work';

/** The skip reason of a job a replay cannot take, or null when it can. */
function replayBlocker(uow: UnitOfWork, tenant: string, id: string, deadLettersOnly: boolean): ReplaySkipReason | null {
  const job = uow.job(tenant, id);
  if (!job) return ReplaySkipReason.notFound;
  if (!isTerminal(job.status)) return ReplaySkipReason.notFinished;
  if (!deadLettersOnly) return null;
  const dl = uow.deadLetterOf(tenant, id);
  if (!dl) return ReplaySkipReason.notDeadLettered;
  return dl.replayedAs === null ? null : ReplaySkipReason.alreadyReplayed;
}

/** A single-job replay that cannot happen is an error (404 / 409), not a skip. */
function refuseSingle(id: string, reason: ReplaySkipReason): never {
  if (reason === ReplaySkipReason.notFound) throw new OrchError('notFound', `job ${id} not found`, { retryable: false });
  throw new OrchError('invalidTransition', `job ${id} cannot be replayed: ${reason === ReplaySkipReason.notFinished ? 'it has not finished yet' : reason}`, {
    retryable: false,
  });
}

/**
 * `replay` (see ReplayJobsCommand): for each named job of the tenant that has finished (and,
 * with `deadLettersOnly`, is a dead letter never replayed), a new job with `replayOf` — same
 * project, type, source, maxAttempts; the original's priority unless `priority`; the original's
 * payload unless `payload` — queued at once under the same limits as any job. One `job.replay`
 * audit entry per replay, on the original; a replayed dead letter records the new job's id.
 * Jobs that cannot be replayed are skipped with a reason (a single-job replay is refused).
 */
export function applyReplay(uow: UnitOfWork, ctx: CommandContext, cmd: ReplayJobsCommand): ReplayJobsResult {
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => ({
      created: false,
      replayed: recordedJobIds(rec).map((id) => {
        const job = recordedJob(uow, ctx.tenant, id);
        return { replayOf: job.replayOf ?? '', jobId: job.id, status: job.status };
      }),
      skipped: (rec.result?.['skipped'] as SkippedJob[] | undefined) ?? [],
    }));
    if (replay) return replay;
  }
  if (cmd.payload !== undefined && cmd.jobIds.length !== 1) {
    const message = 'an edited payload replays exactly one job';
    throw new OrchError('validation', message, { errors: [{ path: 'payload', message }] });
  }
  const deadLettersOnly = cmd.deadLettersOnly === true;
  const ids = [...new Set(cmd.jobIds.map((id) => id.toLowerCase()))];
  const replayed: ReplayedJob[] = [];
  const skipped: SkippedJob[] = [];
  for (const id of ids) {
    const blocker = replayBlocker(uow, ctx.tenant, id, deadLettersOnly);
    if (blocker && !deadLettersOnly && ids.length === 1) refuseSingle(id, blocker);
    if (blocker) {
      skipped.push({ jobId: id, reason: blocker });
      continue;
    }
    const original = mustFind(uow, ctx.tenant, id);
    const clone = replayOf(uow, ctx, original, cmd);
    replayed.push({ replayOf: original.id, jobId: clone.id, status: clone.status });
  }
  if (cmd.idempotency) {
    uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: { jobIds: replayed.map((r) => r.jobId), skipped } });
  }
  return { created: true, replayed, skipped };
}

function replayOf(uow: UnitOfWork, ctx: CommandContext, original: JobRow, cmd: ReplayJobsCommand): JobRow {
  const edited = cmd.payload !== undefined;
  const payload = cmd.payload ?? original.payload;
  const request = {
    project: original.project,
    jobType: original.jobType,
    ...(original.source !== null ? { source: original.source } : {}),
    payload,
    priority: cmd.priority ?? original.priority,
    maxAttempts: original.maxAttempts,
  };
  const job = newJob(uow, ctx, request, `replay:${original.id}:${ctx.envelopeId}`);
  job.replayOf = original.id;
  uow.insertJob(job);
  admitNew(uow, ctx, job, undefined);
  if (uow.deadLetterOf(ctx.tenant, original.id)) uow.markDeadLetterReplayed(original.id, job.id);
  uow.appendAudit(ctx.tenant, {
    project: original.project,
    action: ReplayAuditActions.jobReplay,
    targetType: AuditTargetTypes.job,
    targetId: original.id,
    operator: cmd.operator,
    before: { status: original.status, payloadDigest: original.payloadDigest, priority: original.priority },
    after: {
      replayJobId: job.id,
      priority: job.priority,
      payloadDigest: job.payloadDigest,
      payloadEdited: edited,
      ...(edited ? { payload: plainPayload(payload) } : {}),
    },
  });
  return job;
}

/** The payload as the audit entry stores it (plain JSON). */
function plainPayload(payload: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
}

/**
 * `purge-dead-letters` (see PurgeDeadLettersCommand): removes each named dead letter of the
 * tenant from the set, with a `dead_letter.purge` audit entry holding what was removed. A job
 * that is not in the tenant's set is skipped.
 */
export function applyPurgeDeadLetters(uow: UnitOfWork, ctx: CommandContext, cmd: PurgeDeadLettersCommand): PurgeDeadLettersResult {
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => ({
      created: false,
      purged: (rec.result?.['purged'] as string[] | undefined) ?? [],
      skipped: (rec.result?.['skipped'] as SkippedJob[] | undefined) ?? [],
    }));
    if (replay) return replay;
  }
  const purged: string[] = [];
  const skipped: SkippedJob[] = [];
  for (const id of [...new Set(cmd.jobIds.map((j) => j.toLowerCase()))]) {
    const dl = uow.deadLetterOf(ctx.tenant, id);
    if (!dl) {
      skipped.push({ jobId: id, reason: ReplaySkipReason.notDeadLettered });
      continue;
    }
    uow.purgeDeadLetter(id);
    purged.push(id);
    const { tenant: _tenant, ...before } = dl;
    uow.appendAudit(ctx.tenant, {
      project: dl.project,
      action: ReplayAuditActions.deadLetterPurge,
      targetType: AuditTargetTypes.job,
      targetId: id,
      operator: cmd.operator,
      before: { ...before, digest: digestOf(before) },
      after: null,
    });
  }
  if (cmd.idempotency) uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: { jobIds: [], purged, skipped } });
  return { created: true, purged, skipped };
}
