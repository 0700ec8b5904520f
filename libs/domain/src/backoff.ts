/** Retry backoff policy (milliseconds). */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised, 0..1 (0.5 = "equal jitter"). */
  jitter: number;
}

export const BACKOFF_BASE_DEFAULT_MS = 1_000;
export const BACKOFF_MAX_DEFAULT_MS = 300_000;
export const BACKOFF_JITTER_DEFAULT = 0.5;

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: BACKOFF_BASE_DEFAULT_MS,
  maxMs: BACKOFF_MAX_DEFAULT_MS,
  jitter: BACKOFF_JITTER_DEFAULT,
};

/** The un-jittered delay after failed attempt `attempt` (1-based): base·2^(attempt−1), capped. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
  const exp = policy.baseMs * 2 ** Math.min(attempt - 1, 52);
  return Math.min(policy.maxMs, exp);
}

/**
 * Delay before the next attempt after failed attempt `attempt`, with jitter:
 * `ceiling·(1−jitter) + random·ceiling·jitter`. `random` is injectable for tests.
 * A worker-supplied `retryAfterMs` (an upstream's Retry-After) is a floor.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.round(ceiling * (1 - policy.jitter) + r * ceiling * policy.jitter);
  return Math.max(jittered, retryAfterMs ?? 0);
}
