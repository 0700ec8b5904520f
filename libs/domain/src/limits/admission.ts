import { adaptiveFactorAt, resolveAdaptivePolicy } from './adaptive';
import { bucketHoldUntil, msUntilRefill, takeFromBucket } from './bucket';
import { admitProbe, advanceBreaker, BreakerState, breakerAdmits, KeyedBreakerTransition } from './breaker';
import type { LimitSubject } from './keys';
import { LimitRuleSet, subjectPlanner } from './plan';
import { addQuotaUsage, quotaUsed, quotaWindowReset } from './quota';
import { pauseActive } from './rules';
import { LimitState, LimitStateChange, ownEntry, probeSlotKey } from './state';

/** A job asking to be admitted. */
export interface LimitCandidate extends LimitSubject {
  jobId: string;
  attempt: number;
  /** 0–9; ordering is the caller's (see `fairOrder`), the limiter decides in the order given. */
  priority: number;
}

/** Why a job is held back (stable codes), in checking order. */
export type ThrottleCode =
  | 'paused'
  | 'breaker_open'
  | 'concurrency_cap'
  | 'quota_active'
  | 'quota_hour'
  | 'quota_day'
  | 'rate_limited'
  | 'upstream_backoff';

/** The rule and key that held a job back, with a sentence for people. */
export interface ThrottleReason {
  code: ThrottleCode;
  ruleId: string;
  key: string;
  detail: string;
}

/** An admitted job and the counters it was charged to. */
export interface AllowedJob {
  jobId: string;
  attempt: number;
  /** Held until the job ends or is requeued: pass them to `releaseSlots` then (concurrency, maxActive, breaker probe). */
  slotKeys: string[];
  /** Quota window counters charged (`…|@hour`, `…|@day`); they reset with the window. */
  usageKeys: string[];
  /** Buckets a token was taken from. */
  rateKeys: string[];
}

/** A job held back: it waits `throttled` until `nextEligibleAt`, or (null) until a slot frees or a pause lifts. */
export interface ThrottledJob {
  jobId: string;
  attempt: number;
  reason: ThrottleReason;
  nextEligibleAt: number | null;
}

/** Input of {@link evaluateAdmission}. */
export interface AdmissionInput extends LimitRuleSet {
  /** Epoch ms. */
  now: number;
  /** Decided in this order; put them in fair order first. */
  candidates: readonly LimitCandidate[];
  /** The rows of `admissionStateKeys(candidates, rules)`, locked; missing rows are defaults. */
  state: LimitState;
}

/** Decisions, the new state, the keys to write back and the breaker transitions to publish. */
export interface AdmissionResult extends LimitStateChange {
  allowed: AllowedJob[];
  throttled: ThrottledJob[];
  transitions: KeyedBreakerTransition[];
}

interface Failure {
  reason: ThrottleReason;
  next: number | null;
}

/** The failure that keeps the job waiting longest; null (waiting on a slot, a probe or an open-ended pause) counts as longest. */
function longest(failures: Failure[]): Failure | null {
  let best: Failure | null = null;
  for (const f of failures) {
    if (!best) best = f;
    else if (best.next !== null && (f.next === null || f.next > best.next)) best = f;
  }
  return best;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Decides `candidates` in the order given, each against every rule that applies to it:
 * pause → breaker → concurrency / maxActive → quota per day / hour → rate. A job passing every
 * check is admitted and charged at once (a token from each bucket, +1 in flight on each slot
 * counter, +1 usage in each window, a probe slot of a half-open breaker), so later candidates
 * see it; a job failing any check is charged nothing and reported with the failing stage's
 * reason that waits longest. A job no rule applies to is admitted. Pure: `input.state` is not
 * modified. Jobs waiting on the same bucket get staggered next-eligible times (the k-th waits
 * for the k-th token), so they do not all wake at once.
 */
export function evaluateAdmission(input: AdmissionInput): AdmissionResult {
  const { now } = input;
  const buckets = { ...input.state.buckets };
  const inFlight = { ...input.state.inFlight };
  const usage = { ...input.state.usage };
  const breakers = { ...input.state.breakers };
  const touched = new Set<string>();
  const transitions: KeyedBreakerTransition[] = [];
  const waitingOn = new Map<string, number>();
  const allowed: AllowedJob[] = [];
  const throttled: ThrottledJob[] = [];
  const plan = subjectPlanner(input);

  const breakerAt = (ruleId: string, key: string): BreakerState | undefined => {
    const current = ownEntry(breakers, key);
    if (!current) return undefined;
    const step = advanceBreaker(current, now);
    if (step.transitions.length === 0) return current;
    breakers[key] = step.state;
    touched.add(key);
    for (const t of step.transitions) transitions.push({ ...t, ruleId, key });
    return step.state;
  };

  for (const c of input.candidates) {
    const p = plan(c);
    const stages: (() => Failure | null)[] = [
      () =>
        longest(
          p.pauses
            .filter(({ rule }) => pauseActive(rule, now))
            .map(({ rule, key }) => ({
              reason: { code: 'paused', ruleId: rule.id, key, detail: `paused${rule.reason ? `: ${rule.reason}` : ''}${rule.until != null ? ` until ${iso(rule.until)}` : ''}` },
              next: rule.until ?? null,
            })),
        ),
      () =>
        longest(
          p.breakers.flatMap(({ rule, key }) => {
            const verdict = breakerAdmits(breakerAt(rule.id, key), now, rule);
            if (verdict.admit) return [];
            const detail = verdict.nextEligibleAt !== null ? `circuit open until ${iso(verdict.nextEligibleAt)}` : `circuit half-open: all ${rule.halfOpenProbes} probes out`;
            return [{ reason: { code: 'breaker_open', ruleId: rule.id, key, detail }, next: verdict.nextEligibleAt }];
          }),
        ),
      () =>
        longest(
          p.caps.flatMap(({ code, ruleId, key, max }) => {
            const n = ownEntry(inFlight, key) ?? 0;
            const detail = `${n}/${max} ${code === 'concurrency_cap' ? 'in flight' : 'active'}`;
            return n >= max ? [{ reason: { code, ruleId, key, detail }, next: null }] : [];
          }),
        ),
      () =>
        longest(
          p.windows.flatMap(({ code, ruleId, key, window, max }) => {
            const used = quotaUsed(ownEntry(usage, key), window, now);
            const reset = quotaWindowReset(window, now);
            const detail = `${used}/${max} this UTC ${window} (resets ${iso(reset)})`;
            return used >= max ? [{ reason: { code, ruleId, key, detail }, next: reset }] : [];
          }),
        ),
      () =>
        longest(
          p.rates.flatMap(({ rule, key }) => {
            const take = takeFromBucket(ownEntry(buckets, key), now, rule);
            if (take.ok) return [];
            const at = take.state.updatedAt;
            const ahead = waitingOn.get(key) ?? 0;
            const hold = bucketHoldUntil(take.state, at, rule);
            const wait = Math.max((hold ?? at) - at, msUntilRefill(take.state, at, rule, 1 + ahead - take.state.tokens));
            const factor = rule.adaptive === false ? 1 : adaptiveFactorAt(take.state.adaptive, at, resolveAdaptivePolicy(rule.adaptive).recoveryPerSecond);
            const upstream = hold !== null || factor < 1;
            const detail = hold !== null
              ? `upstream asked to back off until ${iso(hold)}`
              : upstream
                ? `upstream backoff: rate lowered to ${(rule.ratePerSecond * factor).toPrecision(3)}/s of ${rule.ratePerSecond}/s`
                : `no token (rate ${rule.ratePerSecond}/s, burst ${rule.burst})`;
            const code = upstream ? 'upstream_backoff' : 'rate_limited';
            return [{ reason: { code, ruleId: rule.id, key, detail }, next: at + wait }];
          }),
        ),
    ];

    let failure: Failure | null = null;
    for (const stage of stages) if ((failure = stage())) break;
    if (failure) {
      const { reason } = failure;
      if (reason.code === 'rate_limited' || reason.code === 'upstream_backoff') waitingOn.set(reason.key, (waitingOn.get(reason.key) ?? 0) + 1);
      throttled.push({ jobId: c.jobId, attempt: c.attempt, reason, nextEligibleAt: failure.next });
      continue;
    }

    const job: AllowedJob = { jobId: c.jobId, attempt: c.attempt, slotKeys: [], usageKeys: [], rateKeys: [] };
    for (const { rule, key } of p.breakers) {
      const st = ownEntry(breakers, key);
      if (!st || !breakerAdmits(st, now, rule).probe) continue;
      breakers[key] = admitProbe(st);
      job.slotKeys.push(probeSlotKey(key, st.since));
      touched.add(key);
    }
    for (const { key } of p.caps) {
      inFlight[key] = (ownEntry(inFlight, key) ?? 0) + 1;
      job.slotKeys.push(key);
      touched.add(key);
    }
    for (const { key, window } of p.windows) {
      usage[key] = addQuotaUsage(ownEntry(usage, key), window, now);
      job.usageKeys.push(key);
      touched.add(key);
    }
    for (const { rule, key } of p.rates) {
      buckets[key] = takeFromBucket(ownEntry(buckets, key), now, rule).state;
      job.rateKeys.push(key);
      touched.add(key);
    }
    allowed.push(job);
  }

  return { allowed, throttled, transitions, state: { buckets, inFlight, usage, breakers }, touched: [...touched].sort() };
}
