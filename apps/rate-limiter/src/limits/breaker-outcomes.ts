import { Inject, Injectable, Logger } from '@nestjs/common';
import { ControlPlaneLimits, EventType, JobEventData, OperatorLimits, TransitionReason } from '@orch/contracts';
import { KeyedBreakerTransition, outcomeTargets, recordJobOutcome } from '@orch/domain';
import { LIMITS_DATA_SOURCE, LimitsStateRepository, Queryable } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { LimitsAuditService } from '../limits-admin/limits-audit.service';
import { LimitsNotices } from './limits-notices';
import { RuleSetCache } from './rule-set-cache';
import { withTxRetry } from './tx-retry';

/** How an attempt ended, as circuit breakers count it. */
export interface AttemptOutcome {
  jobId: string;
  attempt: number;
  jobType: string;
  source: string | null;
  success: boolean;
}

/** Who a breaker transition is recorded as (its audit entry's operator). */
export const BREAKER_ACTOR = 'system:rate-limiter';

/**
 * The outcome a ledger event reports for breakers (pure): `job.succeeded` a success;
 * `job.failed`, `job.timed_out` and a retry (`job.queued` naming its `failedAttempt`) a
 * failure. An attempt that ended because its lease ran out (a crashed or stopped worker says
 * nothing about the upstream) and a cancellation count as nothing; so does every other event.
 */
export function outcomeOf(data: unknown): AttemptOutcome | null {
  const d = data as Partial<JobEventData> | null;
  const event = d?.event;
  const job = d?.job;
  if (!event || !job || typeof job.id !== 'string' || typeof job.type !== 'string') return null;
  const eventData = (event.data ?? {}) as Record<string, unknown>;
  if (eventData['reason'] === TransitionReason.leaseExpired) return null;
  const base = { jobId: job.id, jobType: job.type, source: typeof job.source === 'string' ? job.source : null };
  switch (event.eventType) {
    case EventType.succeeded:
      return { ...base, attempt: event.attempt, success: true };
    case EventType.failed:
    case EventType.timedOut:
      return { ...base, attempt: event.attempt, success: false };
    case EventType.queued: {
      const failed = eventData['failedAttempt'];
      return Number.isInteger(failed) ? { ...base, attempt: failed as number, success: false } : null;
    }
    default:
      return null;
  }
}

/** The audit action of a breaker transition. */
export function breakerAction(t: KeyedBreakerTransition): 'limits.breaker.open' | 'limits.breaker.half_open' | 'limits.breaker.close' {
  return t.to === 'open' ? 'limits.breaker.open' : t.to === 'half_open' ? 'limits.breaker.half_open' : 'limits.breaker.close';
}

/**
 * Circuit breakers at work (docs/adr/0016): counts each attempt's outcome once in every breaker
 * that applies to its job (tenant, project, source, jobType), and records every status change —
 * from an outcome here, or a cooldown noticed by admission — as a hash-chained audit entry
 * (`limits.breaker.open|half_open|close`, actor `system:rate-limiter`, reason = why) written in
 * the same transaction as the new state, then announces it on `<ns>.limits.<tenant>.changed`.
 */
@Injectable()
export class BreakerOutcomes {
  private readonly logger = new Logger('BreakerOutcomes');
  private readonly repo = new LimitsStateRepository();

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly ruleSets: RuleSetCache,
    private readonly audit: LimitsAuditService,
    private readonly notices: LimitsNotices,
  ) {}

  /** Counts `outcome` of a job of `tenant`/`project`; returns the transitions it caused. */
  async record(tenant: string, project: string, correlationId: string, outcome: AttemptOutcome, now = new Date()): Promise<KeyedBreakerTransition[]> {
    const set = await this.ruleSets.get(tenant);
    if (set.breakers.length === 0) return [];
    const subject = { tenant, project, source: outcome.source, jobType: outcome.jobType };
    const targets = outcomeTargets(set.breakers, subject);
    if (targets.length === 0) return [];
    const transitions = await withTxRetry(this.ds, async (tx) => {
      const kinds = new Map(targets.map((t) => [t.key, 'breakers' as const]));
      const state = await this.repo.lockState(tx, { keys: targets.map((t) => t.key), kinds });
      if (!(await this.repo.claimOutcome(tx, { jobId: outcome.jobId, attempt: outcome.attempt, tenant, success: outcome.success }))) return [];
      // A half-open breaker counts only its probes, which were admitted (and recorded) after it began probing.
      const admission = (await this.repo.admissionsOfJobs(tx, { jobIds: [outcome.jobId] })).find((a) => a.attempt === outcome.attempt);
      const result = recordJobOutcome({
        now: now.getTime(),
        breakers: set.breakers,
        subject,
        outcome: { success: outcome.success, admittedAt: admission ? admission.admittedAt.getTime() : 0 },
        state,
      });
      await this.repo.writeState(tx, { state: result.state, keys: result.touched });
      await this.recordTransitions(tx, { tenant, project, correlationId }, result.transitions);
      return result.transitions;
    });
    this.announced(tenant, transitions);
    return transitions;
  }

  /** Writes the audit entries of `transitions` in `tx` (the transaction that stores the new breaker state). */
  async recordTransitions(tx: Queryable, caller: { tenant: string; project: string; correlationId: string }, transitions: readonly KeyedBreakerTransition[]): Promise<void> {
    for (const t of transitions) {
      const own = `${caller.tenant}:`;
      const visibleRule = t.ruleId.startsWith(own) ? t.ruleId.slice(own.length) : t.ruleId;
      const visibleKey = t.key.startsWith(own) ? t.key.slice(own.length) : t.key;
      await this.audit.record(tx, caller, {
        action: breakerAction(t),
        targetType: 'limit_breaker',
        targetId: visibleKey.slice(0, ControlPlaneLimits.auditTargetIdMaxLength),
        before: { status: t.from },
        after: { status: t.to, rule: visibleRule, reason: t.reason, at: new Date(t.at).toISOString() },
        operator: { subject: BREAKER_ACTOR, scopes: [], reason: t.detail.slice(0, OperatorLimits.reasonMaxLength) },
      });
    }
  }

  /** After commit: sends the audit entries and tells schedulers (a closed breaker releases held jobs). */
  announced(tenant: string, transitions: readonly KeyedBreakerTransition[]): void {
    if (transitions.length === 0) return;
    for (const t of transitions) this.logger.log(`breaker ${t.key} of ${tenant}: ${t.from} → ${t.to} (${t.detail})`);
    this.audit.flush();
    this.notices.changed(tenant, 'breakers');
  }
}
