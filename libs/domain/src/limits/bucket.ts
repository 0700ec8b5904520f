import { msUntilTokens, refillTokens } from '../token-bucket';
import {
  AdaptivePolicy,
  AdaptiveState,
  adaptiveFactorAt,
  baseFactorAt,
  factorIntegralSeconds,
  fullRecoveryAt,
  isUpstreamThrottleSignal,
  resolveAdaptivePolicy,
  UpstreamFeedback,
} from './adaptive';

/** Configured rate of a persisted bucket (a {@link RateRule} is one). */
export interface BucketConfig {
  /** Tokens per second (fractional allowed: 60/min = 1). */
  ratePerSecond: number;
  /** Capacity; a new or long-idle bucket holds this many. */
  burst: number;
  /** AIMD tuning for upstream feedback; `false` ignores feedback. Defaults apply when absent. */
  adaptive?: AdaptivePolicy | false;
}

/** The persisted state of one token bucket (plain JSON). A missing bucket is a full one. */
export interface BucketState {
  /** Tokens at `updatedAt` (fractional). */
  tokens: number;
  /** Epoch ms the tokens were computed at. */
  updatedAt: number;
  /** Present while upstream feedback keeps the bucket below its configured rate. */
  adaptive?: AdaptiveState;
}

/**
 * Slack for float rounding when comparing token counts: 1e-9 of a token, so a refill that lands
 * on 0.9999999999 still admits at the instant {@link msUntilRefill} promised.
 */
export const TOKEN_EPSILON = 1e-9;

/** A full bucket, as of `now`. */
export function newLimitBucket(config: BucketConfig, now: number): BucketState {
  return { tokens: config.burst, updatedAt: now };
}

function policyOf(config: BucketConfig): Required<AdaptivePolicy> | null {
  return config.adaptive === false ? null : resolveAdaptivePolicy(config.adaptive);
}

/** The adaptive state in force under `config` (none when the rule no longer adapts). */
function activeAdaptive(state: BucketState, config: BucketConfig): AdaptiveState | undefined {
  return config.adaptive === false ? undefined : state.adaptive;
}

/**
 * The bucket refilled to `now` at its effective rate (exactly integrated over any hold and
 * recovery ramp), capped at `burst`. A clock stepping back adds nothing. The adaptive part is
 * dropped once the rate is fully recovered, so a quiet bucket returns to the plain shape.
 */
export function refillBucket(state: BucketState, now: number, config: BucketConfig): BucketState {
  const policy = policyOf(config);
  const adaptive = activeAdaptive(state, config);
  const updatedAt = Math.max(state.updatedAt, now);
  if (!adaptive || !policy) {
    return { tokens: refillTokens(state.tokens, state.updatedAt, now, config.ratePerSecond, config.burst), updatedAt };
  }
  const gained = config.ratePerSecond * factorIntegralSeconds(adaptive, state.updatedAt, updatedAt, policy.recoveryPerSecond);
  const tokens = Math.min(config.burst, state.tokens + gained);
  const recovered =
    updatedAt >= fullRecoveryAt(adaptive, policy.recoveryPerSecond) && updatedAt - adaptive.lastDecreaseAt >= policy.minDecreaseIntervalMs;
  return recovered ? { tokens, updatedAt } : { tokens, updatedAt, adaptive };
}

/** The rate (tokens/s) in force at `now`: the configured rate, lowered by upstream feedback, 0 during a hold. */
export function effectiveRate(state: BucketState | undefined, now: number, config: BucketConfig): number {
  const policy = policyOf(config);
  if (!state || !policy) return config.ratePerSecond;
  return config.ratePerSecond * adaptiveFactorAt(activeAdaptive(state, config), now, policy.recoveryPerSecond);
}

/** Epoch ms until which the bucket admits nothing because of an upstream's Retry-After, or null. */
export function bucketHoldUntil(state: BucketState | undefined, now: number, config: BucketConfig): number | null {
  const hold = state && activeAdaptive(state, config)?.holdUntil;
  return hold != null && hold > now ? hold : null;
}

/**
 * Milliseconds from `now` until the bucket (already refilled to `now`) has produced `tokens`
 * more tokens, ignoring the cap: the k-th job waiting on a bucket gets its token when k have been
 * produced, even if they never sit in the bucket at once. Rounded up to whole ms.
 */
export function msUntilRefill(state: BucketState, now: number, config: BucketConfig, tokens: number): number {
  if (tokens <= TOKEN_EPSILON) return 0;
  const policy = policyOf(config);
  const adaptive = activeAdaptive(state, config);
  if (!adaptive || !policy) return msUntilTokens(0, tokens - TOKEN_EPSILON, config.ratePerSecond);
  const produced = (ms: number): number =>
    config.ratePerSecond * factorIntegralSeconds(adaptive, now, now + ms, policy.recoveryPerSecond);
  // After any hold the factor never drops below `adaptive.factor`, which bounds the search.
  const holdMs = Math.max(0, (adaptive.holdUntil ?? now) - now);
  let hi = Math.ceil(holdMs + (tokens * 1000) / (config.ratePerSecond * adaptive.factor)) + 1;
  let lo = 0;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (produced(mid) >= tokens - TOKEN_EPSILON) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Outcome of {@link takeFromBucket}. */
export interface BucketTake {
  ok: boolean;
  /** The bucket refilled to `now`, minus the tokens when ok. */
  state: BucketState;
  /** When refused, ms until `n` tokens are there (0 when ok). */
  retryAfterMs: number;
}

/** Takes `n` tokens at `now` if the bucket holds that many (and no hold is in force), else none. */
export function takeFromBucket(state: BucketState | undefined, now: number, config: BucketConfig, n = 1): BucketTake {
  const refilled = refillBucket(state ?? newLimitBucket(config, now), now, config);
  const at = refilled.updatedAt;
  const hold = bucketHoldUntil(refilled, at, config);
  if (hold === null && refilled.tokens >= n - TOKEN_EPSILON) {
    return { ok: true, state: { ...refilled, tokens: Math.max(0, refilled.tokens - n) }, retryAfterMs: 0 };
  }
  const retryAfterMs = Math.max((hold ?? at) - at, msUntilRefill(refilled, at, config, n - refilled.tokens));
  return { ok: false, state: refilled, retryAfterMs };
}

/**
 * Applies a worker's report of its upstream's answer. A 429/5xx empties the bucket (no burst
 * right after an overload signal), multiplies the effective rate by `decreaseFactor` (at most once
 * per `minDecreaseIntervalMs`, never below `minFactor`), and holds it at zero until Retry-After
 * (capped at `maxHoldMs`); the rate then climbs back additively. Other statuses, and rules with
 * `adaptive: false`, leave the bucket as it was (a missing bucket comes back new and full).
 */
export function applyUpstreamFeedback(
  state: BucketState | undefined,
  feedback: UpstreamFeedback,
  now: number,
  config: BucketConfig,
): BucketState {
  const policy = policyOf(config);
  if (!policy || !isUpstreamThrottleSignal(feedback.status)) return state ?? newLimitBucket(config, now);
  const refilled = refillBucket(state ?? newLimitBucket(config, now), now, config);
  const t = refilled.updatedAt;
  const prev = activeAdaptive(refilled, config);
  const current = prev ? baseFactorAt(prev, t, policy.recoveryPerSecond) : 1;
  const decrease = !prev || t - prev.lastDecreaseAt >= policy.minDecreaseIntervalMs;
  const factor = decrease ? Math.max(policy.minFactor, current * policy.decreaseFactor) : current;
  const retryAfterMs = Number.isFinite(feedback.retryAfterMs) ? Math.min(policy.maxHoldMs, Math.max(0, feedback.retryAfterMs!)) : 0;
  const hold = Math.max(prev?.holdUntil ?? 0, t + retryAfterMs);
  const holdUntil = hold > t ? hold : null;
  return {
    tokens: 0,
    updatedAt: t,
    adaptive: { factor, rampFrom: holdUntil ?? t, holdUntil, lastDecreaseAt: decrease ? t : prev!.lastDecreaseAt },
  };
}
