import {
  BackfillAuditActions,
  ControlBackfillCommand,
  ControlBackfillResult,
  CreateBackfillCommand,
  CreateBackfillResult,
  OrchError,
} from '@orch/contracts';
import { planBackfill, sliceWindow } from '@orch/domain';
import type { BackfillRow, JobRow } from '@orch/persistence';
import { cancelJobs } from './cancel';
import { LedgerPolicy, replayIdempotent } from './command-support';
import { admitNew, newJob } from './submit';
import { CommandContext, UnitOfWork } from './unit-of-work';

/** Audit target type of backfills. */
export const BACKFILL_TARGET = 'backfill';

/** The slices of a backfill command (the api checked them; checked again here). */
export function commandSlices(cmd: Pick<CreateBackfillCommand, 'from' | 'to' | 'sliceMs'>): { from: number; to: number }[] {
  const slices = sliceWindow({ from: Date.parse(cmd.from), to: Date.parse(cmd.to) }, cmd.sliceMs);
  if (typeof slices === 'string') throw new OrchError('validation', `backfill window: ${slices}`, { errors: [{ path: 'to', message: slices }], retryable: false });
  return slices;
}

/**
 * `create-backfill`: plans the slices again on the facts the group commit read under the key's
 * window lock (its watermark, the jobs already covering the window) and creates the backfill
 * with one job per slice to create, in this transaction: each `queued` now (priority as asked,
 * default below live work), payload = the backfill's payload plus `window`. The key gets a
 * watermark at `from` if it had none. One idempotency record covers the call; a replay answers
 * the recorded plan. Audited once as `backfill.create`.
 */
export function applyCreateBackfill(uow: UnitOfWork, ctx: CommandContext, cmd: CreateBackfillCommand): CreateBackfillResult {
  const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => ({ ...(rec.result as unknown as CreateBackfillResult), created: false }));
  if (replay) return replay;
  const facts = uow.backfills.factsFor(cmd.backfillId);
  if (!facts) throw new Error(`backfill ${cmd.backfillId}: facts were not preloaded`);
  const plan = planBackfill(
    commandSlices(cmd),
    facts.watermark?.getTime() ?? null,
    facts.covering.map((c) => ({ id: c.id, from: c.from.getTime(), to: c.to.getTime() })),
  );
  const row: BackfillRow = {
    id: cmd.backfillId,
    tenant: ctx.tenant,
    project: cmd.project,
    source: cmd.source,
    jobType: cmd.jobType,
    windowFrom: new Date(cmd.from),
    windowTo: new Date(cmd.to),
    slice: cmd.slice,
    sliceMs: cmd.sliceMs,
    priority: cmd.priority,
    maxAttempts: cmd.maxAttempts,
    payload: cmd.payload,
    state: 'active',
    slices: plan.slices.length,
    createdJobs: plan.create,
    skipped: plan.skipped,
    reason: cmd.operator.reason,
    ticket: cmd.operator.ticket,
    createdBy: cmd.operator.subject,
    createdAt: uow.now,
    updatedAt: uow.now,
  };
  uow.backfills.add(row);
  for (const [i, s] of plan.slices.entries()) {
    const window = { from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() };
    if (s.action === 'create') {
      const job: JobRow = newJob(
        uow,
        ctx,
        { project: cmd.project, jobType: cmd.jobType, source: cmd.source, payload: { ...cmd.payload, window }, priority: cmd.priority, maxAttempts: cmd.maxAttempts, window },
        `backfill:${cmd.backfillId}#${i}`,
      );
      job.backfillId = cmd.backfillId;
      uow.insertJob(job);
      admitNew(uow, ctx, job, undefined, { backfillId: cmd.backfillId });
    }
  }
  uow.appendAudit(ctx.tenant, {
    project: cmd.project,
    action: BackfillAuditActions.create,
    targetType: BACKFILL_TARGET,
    targetId: cmd.backfillId,
    operator: cmd.operator,
    before: null,
    after: { source: cmd.source, jobType: cmd.jobType, from: cmd.from, to: cmd.to, slice: cmd.slice, priority: cmd.priority, slices: plan.slices.length, created: plan.create, skipped: plan.skipped },
  });
  const result: CreateBackfillResult = { created: true, backfillId: cmd.backfillId, slices: plan.slices.length, createdJobs: plan.create, skipped: plan.skipped };
  // No job ids in the record: a replay answers from it without loading thousands of jobs.
  uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: { ...result } });
  return result;
}

/**
 * `control-backfill`: `pause` and `resume` set the backfill's state (its jobs not yet admitted
 * are held `throttled`, `backfill_paused`, at their next admission; resumed ones go on the next
 * pass); `cancel` ends every unfinished job of it like a run cancel and the state stays
 * `canceled`. A canceled backfill cannot be paused or resumed (409). `jobIds`: its jobs.
 */
export function applyControlBackfill(uow: UnitOfWork, ctx: CommandContext, cmd: ControlBackfillCommand, policy: LedgerPolicy, jobIds: readonly string[]): ControlBackfillResult {
  const id = cmd.backfillId.toLowerCase();
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => rec.result as unknown as ControlBackfillResult);
    if (replay) return replay;
  }
  const row = uow.backfills.get(ctx.tenant, id);
  if (!row) throw new OrchError('notFound', `backfill ${id} not found`, { retryable: false });
  const before = row.state;
  let result: ControlBackfillResult;
  if (cmd.action === 'cancel') {
    const jobs = jobIds.map((j) => uow.job(ctx.tenant, j)).filter((j): j is JobRow => j !== undefined);
    const outcome = cancelJobs(uow, ctx, jobs, cmd.operator, policy);
    if (row.state !== 'canceled') uow.backfills.setState(row, 'canceled', uow.now);
    result = {
      backfillId: id,
      state: 'canceled',
      changed: before !== 'canceled' || outcome.canceled.length + outcome.cancelRequested.length > 0,
      canceled: outcome.canceled,
      cancelRequested: outcome.cancelRequested,
    };
    audit(uow, ctx, cmd, row, { state: before, jobs: outcome.before }, { state: 'canceled', jobs: outcome.after, canceled: outcome.canceled, cancelRequested: outcome.cancelRequested });
  } else {
    if (row.state === 'canceled') throw new OrchError('invalidTransition', `backfill ${id} is canceled: it cannot be ${cmd.action}d`, { retryable: false });
    const target = cmd.action === 'pause' ? 'paused' : 'active';
    const changed = row.state !== target;
    if (changed) uow.backfills.setState(row, target, uow.now);
    result = { backfillId: id, state: target, changed };
    audit(uow, ctx, cmd, row, { state: before }, { state: target });
  }
  if (cmd.idempotency) uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: result as unknown as Record<string, unknown> });
  return result;
}

function audit(uow: UnitOfWork, ctx: CommandContext, cmd: ControlBackfillCommand, row: BackfillRow, before: Record<string, unknown>, after: Record<string, unknown>): void {
  uow.appendAudit(ctx.tenant, {
    project: row.project,
    action: BackfillAuditActions[cmd.action],
    targetType: BACKFILL_TARGET,
    targetId: row.id,
    operator: cmd.operator,
    before,
    after,
  });
}
