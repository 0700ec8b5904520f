import { AppendAuditCommand, AppendAuditResult, AuditEntryView, OrchError } from '@orch/contracts';
import { replayIdempotent } from './command-support';
import { CommandContext, UnitOfWork } from './unit-of-work';

/**
 * `audit`: appends an operator change made by another service (quota,
 * webhook, …) to the tenant's audit chain. With an idempotency key, a replay
 * returns the first call's entry and appends nothing.
 */
export function applyAudit(uow: UnitOfWork, ctx: CommandContext, cmd: AppendAuditCommand): AppendAuditResult {
  if (cmd.idempotency) {
    const replay = replayIdempotent(uow, ctx.tenant, cmd.idempotency, (rec) => {
      const entry = rec.result?.['entry'] as AuditEntryView | undefined;
      if (!entry) throw new OrchError('internal', `idempotency record ${rec.key} holds no audit entry`);
      return { created: false, entry };
    });
    if (replay) return replay;
  }
  const entry = uow.appendAudit(ctx.tenant, {
    project: cmd.project ?? null,
    action: cmd.action,
    targetType: cmd.targetType,
    targetId: cmd.targetId,
    operator: cmd.operator,
    before: cmd.before ?? null,
    after: cmd.after ?? null,
  });
  if (cmd.idempotency) uow.remember({ tenant: ctx.tenant, ...cmd.idempotency, jobId: null, result: { entry } });
  return { created: true, entry };
}
