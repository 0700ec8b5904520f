/**
 * Adaptive throttling (AIMD) of a rate bucket from upstream feedback: a 429 or 5xx
 * multiplies the bucket's effective rate by `decreaseFactor` (never below
 * `minFactor` of the configured rate) and holds it at zero until Retry-After; then
 * the rate climbs back linearly by `recoveryPerSecond` of the configured rate per
 * second until it is the configured rate again.
 *
 * The rate is a function of time, `configured × factor(t)`:
 *   hold:      0                                   for t < holdUntil
 *   flat:      factor                              until rampFrom (= max(decrease time, holdUntil))
 *   ramp:      min(1, factor + recoveryPerSecond × (t − rampFrom) / 1000)
 */

/** Tuning of the AIMD response; every field has a default ({@link DEFAULT_ADAPTIVE_POLICY}). */
export interface AdaptivePolicy {
  /** Multiplier applied to the effective rate per signal, in (0, 1). */
  decreaseFactor?: number;
  /** Floor of the effective rate as a fraction of the configured rate, in (0, 1]. */
  minFactor?: number;
  /** Fraction of the configured rate regained per second after the hold, > 0. */
  recoveryPerSecond?: number;
  /** Cap on an upstream's Retry-After, so a wild value cannot stall a source for days. */
  maxHoldMs?: number;
  /** Signals within this time of the last decrease extend the hold but do not decrease again
   * (many workers report the same overload at once; one decrease per episode, as TCP does per RTT). */
  minDecreaseIntervalMs?: number;
}

/** The defaults: halve on a signal, floor 5 %, regain 2 % of the rate per second (0.5 → 1 in 25 s), hold ≤ 10 min. */
export const DEFAULT_ADAPTIVE_POLICY: Readonly<Required<AdaptivePolicy>> = {
  decreaseFactor: 0.5,
  minFactor: 0.05,
  recoveryPerSecond: 0.02,
  maxHoldMs: 600_000,
  minDecreaseIntervalMs: 1_000,
};

/** The policy with defaults filled in. */
export function resolveAdaptivePolicy(policy: AdaptivePolicy | undefined): Required<AdaptivePolicy> {
  const p = { ...DEFAULT_ADAPTIVE_POLICY };
  for (const [k, v] of Object.entries(policy ?? {}) as [keyof AdaptivePolicy, number | undefined][]) if (v !== undefined) p[k] = v;
  return p;
}

/** The persisted adaptive part of a bucket; absent while the bucket runs at its configured rate. */
export interface AdaptiveState {
  /** Fraction of the configured rate in force from the decrease until `rampFrom`. */
  factor: number;
  /** Epoch ms from which the factor climbs back. */
  rampFrom: number;
  /** Epoch ms until which nothing is admitted (Retry-After), or null. */
  holdUntil: number | null;
  /** Epoch ms of the last multiplicative decrease. */
  lastDecreaseAt: number;
}

/** What a worker reports about its upstream's answer. */
export interface UpstreamFeedback {
  /** The upstream's HTTP status; 429 and 5xx slow the source down, anything else is ignored. */
  status: number;
  /** The upstream's Retry-After, in milliseconds from the feedback time. */
  retryAfterMs?: number | null;
}

/** Whether an upstream status asks us to slow down (429 Too Many Requests or any 5xx). */
export function isUpstreamThrottleSignal(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** The factor ignoring any hold (the value the rate resumes at when the hold ends). */
export function baseFactorAt(state: AdaptiveState, now: number, recoveryPerSecond: number): number {
  if (now <= state.rampFrom) return state.factor;
  return Math.min(1, state.factor + (recoveryPerSecond * (now - state.rampFrom)) / 1000);
}

/** The fraction of the configured rate in force at `now`: 0 during a hold, else {@link baseFactorAt}. */
export function adaptiveFactorAt(state: AdaptiveState | undefined, now: number, recoveryPerSecond: number): number {
  if (!state) return 1;
  if (state.holdUntil !== null && now < state.holdUntil) return 0;
  return baseFactorAt(state, now, recoveryPerSecond);
}

/** When the factor is back to 1 (and any hold is over). */
export function fullRecoveryAt(state: AdaptiveState, recoveryPerSecond: number): number {
  const rampEnd = state.rampFrom + ((1 - state.factor) * 1000) / recoveryPerSecond;
  return Math.max(rampEnd, state.holdUntil ?? rampEnd);
}

/**
 * ∫ factor(t) dt over [from, to], in factor-seconds (multiply by the configured rate for
 * tokens). Exact: the factor is piecewise linear and each piece is integrated on its own.
 */
export function factorIntegralSeconds(state: AdaptiveState | undefined, from: number, to: number, recoveryPerSecond: number): number {
  if (!(to > from)) return 0;
  if (!state) return (to - from) / 1000;
  let a = from;
  let ms = 0;
  if (state.holdUntil !== null && a < state.holdUntil) a = Math.min(to, state.holdUntil);
  if (a < to && a < state.rampFrom) {
    const end = Math.min(to, state.rampFrom);
    ms += state.factor * (end - a);
    a = end;
  }
  const rampEnd = state.rampFrom + ((1 - state.factor) * 1000) / recoveryPerSecond;
  if (a < to && a < rampEnd) {
    const end = Math.min(to, rampEnd);
    ms += ((baseFactorAt(state, a, recoveryPerSecond) + baseFactorAt(state, end, recoveryPerSecond)) / 2) * (end - a);
    a = end;
  }
  if (a < to) ms += to - a;
  return ms / 1000;
}
