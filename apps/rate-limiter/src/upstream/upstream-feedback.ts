import { Controller, Inject, Injectable } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { OrchError, SlowedBucket, UpstreamReportRequest, UpstreamReportResult } from '@orch/contracts';
import {
  adaptiveFactorAt,
  applyUpstreamFeedbackToLimits,
  BucketState,
  feedbackTargets,
  fullRecoveryAt,
  isUpstreamThrottleSignal,
  RateRule,
  resolveAdaptivePolicy,
} from '@orch/domain';
import { Incoming, Route } from '@orch/messaging';
import { LIMITS_DATA_SOURCE, LimitsStateRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { RuleSetCache } from '../limits/rule-set-cache';
import { withTxRetry } from '../limits/tx-retry';

/** How a slowed bucket stands at `now` (pure): the rate in force, its hold and when it is whole again. */
export function slowedBucket(tenant: string, rule: RateRule, key: string, bucket: BucketState, now: number): SlowedBucket {
  const recovery = resolveAdaptivePolicy(rule.adaptive === false ? undefined : rule.adaptive).recoveryPerSecond;
  const own = `${tenant}:`;
  const strip = (s: string) => (s.startsWith(own) ? s.slice(own.length) : s);
  const adaptive = bucket.adaptive;
  return {
    ruleId: strip(rule.id),
    key: strip(key),
    ratePerSecond: rule.ratePerSecond * adaptiveFactorAt(adaptive, now, recovery),
    configuredRatePerSecond: rule.ratePerSecond,
    holdUntil: adaptive?.holdUntil != null && adaptive.holdUntil > now ? new Date(adaptive.holdUntil).toISOString() : null,
    recoversAt: new Date(adaptive ? fullRecoveryAt(adaptive, recovery) : now).toISOString(),
  };
}

/**
 * Adaptive throttling from upstream feedback (docs/adr/0016): a worker reports that its job's
 * upstream answered 429/5xx (with Retry-After); every adaptive rate rule that applies to the
 * job's source slows down (AIMD, `libs/domain/src/limits/adaptive.ts`) and recovers on its own.
 * The report is fenced: the lease must be the job's current one, and the job's project, type
 * and source come from the ledger, never from the worker.
 */
@Injectable()
export class UpstreamFeedbackService {
  private readonly repo = new LimitsStateRepository();

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly ruleSets: RuleSetCache,
  ) {}

  async report(tenant: string, req: UpstreamReportRequest, now = Date.now()): Promise<UpstreamReportResult> {
    const job = await this.repo.jobLease(this.ds, { tenant, jobId: req.jobId });
    // Another tenant's job is not found, as everywhere (never a hint that it exists).
    if (!job) throw new OrchError('notFound', `job ${req.jobId} not found`, { retryable: false });
    const current = (job.status === 'leased' || job.status === 'running') && job.leaseId === req.leaseId && job.fencingToken === req.fencingToken;
    if (!current) throw new OrchError('staleLease', `lease ${req.leaseId} (token ${req.fencingToken}) is not the current lease of job ${req.jobId}`, { retryable: false });
    if (!isUpstreamThrottleSignal(req.status)) return { slowed: [] };
    const subject = { tenant, project: job.project, source: job.source, jobType: job.jobType };
    const set = await this.ruleSets.get(tenant);
    const targets = feedbackTargets(set.rules, subject);
    if (targets.length === 0) return { slowed: [] };
    return withTxRetry(this.ds, async (tx) => {
      const kinds = new Map(targets.map((t) => [t.key, 'buckets' as const]));
      const state = await this.repo.lockState(tx, { keys: targets.map((t) => t.key), kinds });
      const change = applyUpstreamFeedbackToLimits({ now, rules: set.rules, subject, feedback: { status: req.status, retryAfterMs: req.retryAfterMs ?? null }, state });
      await this.repo.writeState(tx, { state: change.state, keys: change.touched });
      return { slowed: targets.map(({ rule, key }) => slowedBucket(tenant, rule, key, change.state.buckets[key], now)) };
    });
  }
}

/** `orch.cmd.ratelimiter.upstream`: a worker's upstream report, forwarded by the lease-broker. */
@Controller()
export class UpstreamFeedbackController {
  constructor(private readonly feedback: UpstreamFeedbackService) {}

  @MessagePattern(Route.command('rate-limiter', 'upstream'), { data: UpstreamReportRequest })
  upstream(@Payload() m: Incoming<UpstreamReportRequest>): Promise<UpstreamReportResult> {
    return this.feedback.report(m.envelope.tenant, m.data);
  }
}
