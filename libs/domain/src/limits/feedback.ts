import type { UpstreamFeedback } from './adaptive';
import { isUpstreamThrottleSignal } from './adaptive';
import { applyUpstreamFeedback } from './bucket';
import { BreakerOutcome, KeyedBreakerTransition, recordOutcome } from './breaker';
import { limitKey, LimitSubject, ruleApplies } from './keys';
import { BreakerRule, isAdaptiveRule, LimitRule, RateRule } from './rules';
import { LimitState, LimitStateChange, ownEntry } from './state';

/** The adaptive rate rules (scoped by source) that `subject`'s upstream feedback slows down, with their bucket keys. */
export function feedbackTargets(rules: readonly LimitRule[], subject: LimitSubject): { rule: RateRule; key: string }[] {
  if ((subject.source ?? null) === null) return [];
  return rules
    .filter((r): r is RateRule => r.kind === 'rate' && isAdaptiveRule(r) && ruleApplies(r, subject))
    .map((rule) => ({ rule, key: limitKey(rule.id, rule.per, subject) }));
}

/** The breakers an outcome of `subject`'s job counts in, with their keys. */
export function outcomeTargets(breakers: readonly BreakerRule[], subject: LimitSubject): { rule: BreakerRule; key: string }[] {
  return breakers.filter((b) => ruleApplies(b, subject)).map((rule) => ({ rule, key: limitKey(rule.id, rule.per, subject) }));
}

/** Input of {@link applyUpstreamFeedbackToLimits}. */
export interface FeedbackInput {
  now: number;
  rules: readonly LimitRule[];
  /** The job whose worker got the answer (its source names the upstream). */
  subject: LimitSubject;
  feedback: UpstreamFeedback;
  /** Holds at least the buckets of {@link feedbackTargets} (locked). */
  state: LimitState;
}

/**
 * Applies a worker's upstream feedback to every adaptive bucket of the job's source
 * (see `applyUpstreamFeedback`). A status that is not 429/5xx, or a job without a source,
 * changes nothing.
 */
export function applyUpstreamFeedbackToLimits(input: FeedbackInput): LimitStateChange {
  if (!isUpstreamThrottleSignal(input.feedback.status)) return { state: input.state, touched: [] };
  const buckets = { ...input.state.buckets };
  const touched: string[] = [];
  for (const { rule, key } of feedbackTargets(input.rules, input.subject)) {
    buckets[key] = applyUpstreamFeedback(ownEntry(buckets, key), input.feedback, input.now, rule);
    touched.push(key);
  }
  return { state: { ...input.state, buckets }, touched: [...new Set(touched)].sort() };
}

/** Input of {@link recordJobOutcome}. */
export interface OutcomeInput {
  now: number;
  breakers: readonly BreakerRule[];
  subject: LimitSubject;
  outcome: BreakerOutcome;
  /** Holds at least the breakers of {@link outcomeTargets} (locked). */
  state: LimitState;
}

/** The new state, keys to write back, and breaker transitions to publish. */
export interface OutcomeResult extends LimitStateChange {
  transitions: KeyedBreakerTransition[];
}

/** Records a job's outcome in every breaker that applies to it (see `recordOutcome`). */
export function recordJobOutcome(input: OutcomeInput): OutcomeResult {
  const breakers = { ...input.state.breakers };
  const touched: string[] = [];
  const transitions: KeyedBreakerTransition[] = [];
  for (const { rule, key } of outcomeTargets(input.breakers, input.subject)) {
    const step = recordOutcome(ownEntry(breakers, key), input.outcome, input.now, rule);
    breakers[key] = step.state;
    touched.push(key);
    for (const t of step.transitions) transitions.push({ ...t, ruleId: rule.id, key });
  }
  return { state: { ...input.state, breakers }, touched: [...new Set(touched)].sort(), transitions };
}
