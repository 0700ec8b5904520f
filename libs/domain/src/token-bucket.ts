/** Refill rate and capacity of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (may be fractional: 0.5 = one every 2 s). */
  ratePerSecond: number;
  /** Capacity: the most tokens that can be taken at once after a quiet period. */
  burst: number;
  /** Clock in epoch milliseconds, used when a call gives no `now` (default `Date.now`). */
  clock?: () => number;
}

/** Outcome of {@link TokenBucket.take}. */
export interface TakeResult {
  /** Whether the tokens were taken. Nothing is taken when false. */
  ok: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** When refused, how long until `n` tokens are there (0 when ok). */
  retryAfterMs: number;
  /** How long until the bucket is full again. */
  resetMs: number;
}

/**
 * Tokens in a bucket after refilling from `updatedAt` to `now` at `ratePerSecond`, capped at
 * `burst`. A clock that steps back adds nothing (time simply resumes from the later instant).
 * The shared math of {@link TokenBucket} and the persisted buckets of the rate limiter.
 */
export function refillTokens(tokens: number, updatedAt: number, now: number, ratePerSecond: number, burst: number): number {
  const elapsedMs = Math.max(0, now - updatedAt);
  return Math.min(burst, tokens + (elapsedMs * ratePerSecond) / 1000);
}

/** Milliseconds until a bucket holding `tokens` has `target` at `ratePerSecond`, rounded up (0 when already there). */
export function msUntilTokens(tokens: number, target: number, ratePerSecond: number): number {
  const missing = target - tokens;
  return missing <= 0 ? 0 : Math.ceil((missing * 1000) / ratePerSecond);
}

/**
 * A token bucket: starts full with `burst` tokens, refills continuously at
 * `ratePerSecond` up to `burst`; a call takes `n` tokens or nothing. Pure (time
 * is passed in or read from the injected clock), so it is exact in tests and
 * usable for API request limits as well as job admission rates.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly clock: () => number;
  private tokens: number;
  private updatedAt: number;

  /** @throws RangeError unless rate and burst are positive and finite. */
  constructor(options: TokenBucketOptions, now?: number) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) throw new RangeError(`ratePerSecond must be a positive number, got ${options.ratePerSecond}`);
    if (!(options.burst > 0) || !Number.isFinite(options.burst)) throw new RangeError(`burst must be a positive number, got ${options.burst}`);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.clock = options.clock ?? Date.now;
    this.tokens = options.burst;
    this.updatedAt = now ?? this.clock();
  }

  /**
   * Takes `n` tokens if there are that many, else none.
   * @throws RangeError when `n` is negative or larger than the burst (it could never succeed).
   */
  take(n = 1, now: number = this.clock()): TakeResult {
    if (!(n >= 0) || n > this.burst) throw new RangeError(`cannot take ${n} tokens from a bucket of ${this.burst}`);
    this.refill(now);
    const ok = this.tokens >= n;
    if (ok) this.tokens -= n;
    return {
      ok,
      remaining: Math.floor(this.tokens),
      retryAfterMs: ok ? 0 : this.msUntil(n),
      resetMs: this.msUntil(this.burst),
    };
  }

  /** Tokens available now (fractional), without taking any. */
  available(now: number = this.clock()): number {
    this.refill(now);
    return this.tokens;
  }

  /** Whether the bucket is full, i.e. indistinguishable from a new one (a holder may then drop it). */
  isFull(now: number = this.clock()): boolean {
    return this.available(now) >= this.burst;
  }

  private refill(now: number): void {
    // A clock that steps back never removes tokens; time simply resumes from there.
    this.tokens = refillTokens(this.tokens, this.updatedAt, now, this.ratePerSecond, this.burst);
    this.updatedAt = Math.max(this.updatedAt, now);
  }

  private msUntil(target: number): number {
    return msUntilTokens(this.tokens, target, this.ratePerSecond);
  }
}
