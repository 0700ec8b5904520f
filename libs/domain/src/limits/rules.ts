import type { AdaptivePolicy } from './adaptive';
import type { BreakerConfig } from './breaker';
import type { LimitDim, ScopedRule } from './keys';

/** A rule whose counters are kept per combination of the `per` dimensions. */
export interface KeyedRule extends ScopedRule {
  /** Dimensions the rule's counters are split by (unique; key order is canonical, not this order). */
  per: LimitDim[];
}

/**
 * A token bucket: `ratePerSecond` sustained, `burst` at once, per key. E.g. 60/min per
 * {tenant, source}: `{kind: 'rate', ratePerSecond: 1, burst: 60, per: ['tenant', 'source']}`.
 * Rules scoped by source (`per` has `source`, or `match.source` is set) also slow down on upstream
 * feedback (AIMD) unless `adaptive` is false.
 */
export interface RateRule extends KeyedRule {
  kind: 'rate';
  ratePerSecond: number;
  burst: number;
  adaptive?: AdaptivePolicy | false;
}

/** A cap on jobs admitted and not yet released, per key. E.g. 5 running per {tenant, jobType}. */
export interface ConcurrencyRule extends KeyedRule {
  kind: 'concurrency';
  maxInFlight: number;
}

/** A rate or concurrency limit. */
export type LimitRule = RateRule | ConcurrencyRule;

/**
 * A quota per key: jobs active at once, and admissions per fixed UTC hour / UTC day window
 * (windows start at whole hours / midnight UTC, so every replica agrees on them without a clock
 * of its own). At least one of the three is set; 0 admits nothing in that window.
 */
export interface QuotaRule extends KeyedRule {
  maxActive?: number | null;
  maxPerHour?: number | null;
  maxPerDay?: number | null;
}

/** Holds back everything it matches (a tenant, project, source or job type), optionally until a time. */
export interface PauseRule extends ScopedRule {
  reason?: string | null;
  /** Epoch ms the pause lifts by itself; null/absent: until removed. */
  until?: number | null;
}

/** A circuit breaker per key (typically per source or job type). */
export interface BreakerRule extends KeyedRule, BreakerConfig {}

/** Whether a rate rule reacts to upstream feedback: scoped by source and not opted out. */
export function isAdaptiveRule(rule: RateRule): boolean {
  return rule.adaptive !== false && (rule.per.includes('source') || rule.match.source !== undefined);
}

/** Whether a pause is in force at `now`. */
export function pauseActive(pause: PauseRule, now: number): boolean {
  return pause.until == null || now < pause.until;
}
