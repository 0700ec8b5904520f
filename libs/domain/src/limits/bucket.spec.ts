import fc from 'fast-check';
import { applyUpstreamFeedback, BucketConfig, bucketHoldUntil, effectiveRate, msUntilRefill, newLimitBucket, refillBucket, takeFromBucket } from './bucket';

const config: BucketConfig = { ratePerSecond: 2, burst: 4, adaptive: { recoveryPerSecond: 0.1, minDecreaseIntervalMs: 1_000 } };

describe('persisted token bucket', () => {
  it('starts full, takes a token per job, and refuses with the time until the next token', () => {
    let state = newLimitBucket(config, 0);
    for (let i = 0; i < 4; i++) {
      const take = takeFromBucket(state, 0, config);
      expect(take.ok).toBe(true);
      state = take.state;
    }
    expect(takeFromBucket(state, 0, config)).toMatchObject({ ok: false, retryAfterMs: 500 });
    expect(takeFromBucket(state, 500, config).ok).toBe(true);
  });

  it('treats a missing bucket as a full one', () => {
    expect(takeFromBucket(undefined, 1_000, config).state).toEqual({ tokens: 3, updatedAt: 1_000 });
  });

  it('refills up to the burst and ignores a clock stepping back', () => {
    expect(refillBucket({ tokens: 0, updatedAt: 0 }, 60_000, config)).toEqual({ tokens: 4, updatedAt: 60_000 });
    expect(refillBucket({ tokens: 1, updatedAt: 5_000 }, 1_000, config)).toEqual({ tokens: 1, updatedAt: 5_000 });
  });
});

describe('upstream feedback (AIMD)', () => {
  it('empties the bucket, halves the rate and holds until Retry-After', () => {
    const after = applyUpstreamFeedback(newLimitBucket(config, 0), { status: 429, retryAfterMs: 3_000 }, 10_000, config);
    expect(after).toEqual({ tokens: 0, updatedAt: 10_000, adaptive: { factor: 0.5, rampFrom: 13_000, holdUntil: 13_000, lastDecreaseAt: 10_000 } });
    expect(bucketHoldUntil(after, 12_999, config)).toBe(13_000);
    expect(effectiveRate(after, 12_999, config)).toBe(0);
    expect(takeFromBucket(after, 12_999, config).ok).toBe(false);
  });

  it('recovers additively to the configured rate after the hold, then drops the adaptive state', () => {
    const after = applyUpstreamFeedback(undefined, { status: 503, retryAfterMs: 1_000 }, 0, config);
    expect(effectiveRate(after, 1_000, config)).toBe(1);
    expect(effectiveRate(after, 3_000, config)).toBeCloseTo(1.4);
    expect(effectiveRate(after, 6_000, config)).toBe(2);
    expect(refillBucket(after, 6_000, config).adaptive).toBeUndefined();
    expect(refillBucket(after, 5_999, config).adaptive).toBeDefined();
  });

  it('admits at the reduced rate once the hold is over', () => {
    const after = applyUpstreamFeedback(undefined, { status: 429, retryAfterMs: 1_000 }, 0, config);
    // 1 token needs ∫ 2·(0.5 + 0.1·t) dt = 1 → t² + 10t − 10 = 0 → t ≈ 0.9161 s after the hold, so 917 ms.
    const wait = takeFromBucket(after, 1_000, config).retryAfterMs;
    expect(wait).toBe(917);
    expect(takeFromBucket(after, 1_000 + wait - 1, config).ok).toBe(false);
    expect(takeFromBucket(after, 1_000 + wait, config).ok).toBe(true);
  });

  it('decreases once per interval however many workers report the same overload, but extends the hold', () => {
    const first = applyUpstreamFeedback(undefined, { status: 429 }, 0, config);
    // No Retry-After: the ramp starts at once, 0.5 + 0.1·0.5 s = 0.55 by the second report, which only
    // holds (freezing the ramp until the hold ends) instead of halving again.
    const second = applyUpstreamFeedback(first, { status: 429, retryAfterMs: 2_000 }, 500, config);
    expect(second.adaptive).toMatchObject({ rampFrom: 2_500, holdUntil: 2_500, lastDecreaseAt: 0 });
    expect(second.adaptive?.factor).toBeCloseTo(0.55);
    const third = applyUpstreamFeedback(second, { status: 500 }, 2_500, config);
    expect(third.adaptive).toMatchObject({ holdUntil: null, lastDecreaseAt: 2_500 });
    expect(third.adaptive?.factor).toBeCloseTo(0.275);
  });

  it('never goes below the floor, and caps a wild Retry-After', () => {
    const tight: BucketConfig = { ...config, adaptive: { minFactor: 0.2, maxHoldMs: 60_000, minDecreaseIntervalMs: 0 } };
    let state = newLimitBucket(tight, 0);
    for (let i = 0; i < 10; i++) state = applyUpstreamFeedback(state, { status: 429, retryAfterMs: 86_400_000 }, i, tight);
    expect(state.adaptive?.factor).toBe(0.2);
    expect(state.adaptive?.holdUntil).toBe(9 + 60_000);
  });

  it('ignores statuses that are not overload signals, bad Retry-After values, and rules that opt out', () => {
    const full = newLimitBucket(config, 0);
    expect(applyUpstreamFeedback(full, { status: 404 }, 10, config)).toBe(full);
    expect(applyUpstreamFeedback(full, { status: 429 }, 10, { ...config, adaptive: false })).toBe(full);
    expect(applyUpstreamFeedback(full, { status: 429, retryAfterMs: Number.NaN }, 10, config).adaptive?.holdUntil).toBeNull();
    expect(applyUpstreamFeedback(full, { status: 429, retryAfterMs: -5 }, 10, config).adaptive?.holdUntil).toBeNull();
  });

  it('falls back to the configured rate when a rule stops adapting', () => {
    const slowed = applyUpstreamFeedback(undefined, { status: 429 }, 0, config);
    expect(effectiveRate(slowed, 0, { ...config, adaptive: false })).toBe(2);
    expect(refillBucket(slowed, 1_000, { ...config, adaptive: false })).toEqual({ tokens: 2, updatedAt: 1_000 });
  });

  it('predicts exactly when n more tokens will have been produced, through any hold and ramp', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        (retryAfterMs, askAt, rate, n) => {
          const cfg: BucketConfig = { ratePerSecond: rate, burst: 10, adaptive: { recoveryPerSecond: 0.05 } };
          const state = refillBucket(applyUpstreamFeedback(undefined, { status: 429, retryAfterMs }, 0, cfg), askAt, cfg);
          const needed = n - state.tokens;
          const wait = msUntilRefill(state, askAt, cfg, needed);
          const producedBy = (ms: number): number => refillBucket({ ...state, tokens: 0 }, askAt + ms, { ...cfg, burst: 1e9 }).tokens;
          expect(producedBy(wait)).toBeGreaterThanOrEqual(needed - 1e-6);
          if (wait > 0) expect(producedBy(wait - 1)).toBeLessThan(needed);
        },
      ),
    );
  });
});
