import { Inject, Injectable } from '@nestjs/common';
import {
  CreatePauseCommand,
  CreatePauseResult,
  DeleteLimitRuleCommand,
  DeletePauseCommand,
  LimitRuleView,
  ListLimitRulesCommand,
  OrchError,
  PAUSE_ID_PREFIX,
  PauseView,
  PutLimitRuleCommand,
  PutLimitRuleResult,
  QuotaRemainingCommand,
  QuotaRemainingResult,
} from '@orch/contracts';
import { digestOf, limitKey, quotaActiveKey, quotaRemaining, quotaUsageKey, ruleApplies } from '@orch/domain';
import { LIMITS_DATA_SOURCE, LimitsRulesRepository, LimitsStateRepository, PauseRow, QuotaRuleRow } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { LimitsNotices } from '../limits/limits-notices';
import { RuleSetCache } from '../limits/rule-set-cache';
import { CallerRef, LimitsAuditService } from './limits-audit.service';
import { auditedRule, parseRuleInput, pauseView, ruleView, storedRuleId, visibleRuleId } from './rule-input';

const notFound = (what: string, id: string) => new OrchError('notFound', `${what} ${id} not found`, { retryable: false });

/**
 * Limits administration of one tenant (the envelope's): rules and pauses, each change written
 * with its audit entry in one transaction and announced on `<ns>.limits.<tenant>.changed`.
 * This replica's next decision sees a change (its rule-set cache entry is dropped), the other
 * replicas' as soon as the notice reaches them (docs/adr/0016).
 * Global rules (`tenant` null) are visible but cannot be changed through these commands.
 */
@Injectable()
export class LimitsAdminService {
  private readonly rules = new LimitsRulesRepository();
  private readonly state = new LimitsStateRepository();

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly audit: LimitsAuditService,
    private readonly notices: LimitsNotices,
    private readonly ruleSets: RuleSetCache,
  ) {}

  async putRule(caller: CallerRef, cmd: PutLimitRuleCommand): Promise<PutLimitRuleResult> {
    const input = parseRuleInput(cmd.rule, caller.tenant);
    const result = await this.ds.transaction(async (tx) => {
      const before = await this.rules.getRule(tx, { id: input.id, lock: true });
      const rule = await this.rules.putRule(tx, { rule: input, actor: cmd.operator.subject });
      await this.audit.record(tx, caller, {
        action: 'limits.rule.put',
        targetType: 'limit_rule',
        targetId: visibleRuleId(rule.tenant, rule.id),
        ...(before ? { before: auditedRule(before) } : {}),
        after: auditedRule(rule),
        operator: cmd.operator,
      });
      return { rule: ruleView(rule), created: before === null };
    });
    this.changed(caller.tenant, 'rules');
    return result;
  }

  async getRule(caller: CallerRef, id: string): Promise<LimitRuleView> {
    const rule = await this.rules.getRule(this.ds, { id: storedRuleId(caller.tenant, id) });
    if (!rule || rule.tenant !== caller.tenant) throw notFound('limit rule', id);
    return ruleView(rule);
  }

  async listRules(caller: CallerRef, cmd: ListLimitRulesCommand): Promise<{ items: LimitRuleView[] }> {
    return { items: (await this.rules.listRules(this.ds, { tenant: caller.tenant, kind: cmd.kind })).map(ruleView) };
  }

  async deleteRule(caller: CallerRef, cmd: DeleteLimitRuleCommand): Promise<{ deleted: true; id: string }> {
    await this.ds.transaction(async (tx) => {
      const id = storedRuleId(caller.tenant, cmd.id);
      const before = await this.rules.getRule(tx, { id, lock: true });
      if (!before || before.tenant !== caller.tenant) throw notFound('limit rule', cmd.id);
      await this.rules.deleteRule(tx, { id });
      await this.audit.record(tx, caller, { action: 'limits.rule.delete', targetType: 'limit_rule', targetId: cmd.id, before: auditedRule(before), operator: cmd.operator });
    });
    this.changed(caller.tenant, 'rules');
    return { deleted: true, id: cmd.id };
  }

  /**
   * Creates a pause. With an Idempotency-Key the pause id derives from (tenant, scope, key): the
   * same key and request again returns the pause as it is (`created: false`), another request 409.
   */
  async createPause(caller: CallerRef, cmd: CreatePauseCommand): Promise<CreatePauseResult> {
    const until = cmd.until ? Date.parse(cmd.until) : null;
    const match = Object.fromEntries(Object.entries(cmd.match ?? {}).filter(([, v]) => v !== undefined)) as PauseRow['match'];
    const pause = { tenant: caller.tenant, match, reason: cmd.reason ?? null, until };
    const id = cmd.idempotency
      ? `${PAUSE_ID_PREFIX}${digestOf({ tenant: caller.tenant, scope: cmd.idempotency.scope, key: cmd.idempotency.key }).slice(0, 32)}`
      : `${PAUSE_ID_PREFIX}${crypto.randomUUID()}`;
    const result = await this.ds.transaction(async (tx) => {
      const inserted = await this.rules.insertPause(tx, { pause: { id, ...pause }, actor: cmd.operator.subject });
      if (!inserted) {
        const existing = await this.rules.getPause(tx, { id });
        const same = existing && digestOf({ match: existing.match, reason: existing.reason ?? null, until: existing.until ?? null }) === digestOf({ match, reason: pause.reason, until });
        if (!existing || !same) throw new OrchError('idempotencyConflict', 'Idempotency-Key was used with another pause request', { retryable: false });
        return { pause: pauseView(existing, Date.now()), created: false };
      }
      await this.audit.record(tx, caller, {
        action: 'limits.pause.create',
        targetType: 'limit_pause',
        targetId: id,
        after: { match, reason: pause.reason, until: cmd.until ?? null },
        operator: cmd.operator,
      });
      return { pause: pauseView(inserted, Date.now()), created: true };
    });
    if (result.created) this.changed(caller.tenant, 'pauses');
    return result;
  }

  async listPauses(caller: CallerRef): Promise<{ items: PauseView[] }> {
    const now = Date.now();
    return { items: (await this.rules.listPauses(this.ds, { tenant: caller.tenant })).map((p) => pauseView(p, now)) };
  }

  /** Removes a pause (resume): the held jobs are offered again at once. */
  async deletePause(caller: CallerRef, cmd: DeletePauseCommand): Promise<{ deleted: true; id: string }> {
    await this.ds.transaction(async (tx) => {
      const before = await this.rules.getPause(tx, { id: cmd.id, lock: true });
      if (!before || before.tenant !== caller.tenant) throw notFound('pause', cmd.id);
      await this.rules.deletePause(tx, { id: cmd.id });
      await this.audit.record(tx, caller, {
        action: 'limits.pause.delete',
        targetType: 'limit_pause',
        targetId: cmd.id,
        before: { match: before.match, reason: before.reason ?? null, until: before.until != null ? new Date(before.until).toISOString() : null },
        operator: cmd.operator,
      });
    });
    this.changed(caller.tenant, 'pauses');
    return { deleted: true, id: cmd.id };
  }

  /** The remaining figures of every quota applying to a job of this kind in the caller's tenant. */
  async quotaRemaining(caller: CallerRef, cmd: QuotaRemainingCommand): Promise<QuotaRemainingResult> {
    const subject = { tenant: caller.tenant, project: cmd.project ?? '', source: cmd.source ?? null, jobType: cmd.jobType };
    const quotas = (await this.rules.listRules(this.ds, { tenant: caller.tenant, kind: 'quota' })) as QuotaRuleRow[];
    const applying = quotas.filter((q) => (cmd.project !== undefined || q.match.project === undefined) && ruleApplies(q, subject));
    const keyed = applying.map((q) => ({ q, key: limitKey(q.id, q.per, subject) }));
    const keys = keyed.flatMap(({ key }) => [quotaActiveKey(key), quotaUsageKey(key, 'hour'), quotaUsageKey(key, 'day')]);
    const kinds = new Map(keyed.flatMap(({ key }) => [[quotaUsageKey(key, 'hour'), 'usage'] as const, [quotaUsageKey(key, 'day'), 'usage'] as const]));
    const state = await this.state.readState(this.ds, { keys, kinds });
    const now = Date.now();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      quotas: keyed.map(({ q, key }) => {
        const r = quotaRemaining(q, state, now, key);
        const fig = (f: typeof r.active) => (f ? { ...f, resetAt: iso(f.resetAt) } : null);
        return { ruleId: visibleRuleId(q.tenant, q.id), key, active: fig(r.active), hour: fig(r.hour), day: fig(r.day) };
      }),
    };
  }

  private changed(tenant: string, change: 'rules' | 'pauses'): void {
    // This replica applies the change to its next decision; the notice reaches the others.
    this.ruleSets.invalidate(tenant);
    this.audit.flush();
    this.notices.changed(tenant, change);
  }
}
