import { msUntilTokens, refillTokens, TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('starts full and allows a burst, then refuses with the time until the next token', () => {
    const b = new TokenBucket({ ratePerSecond: 2, burst: 3 }, 0);
    expect([b.take(1, 0), b.take(1, 0), b.take(1, 0)].map((r) => [r.ok, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    expect(b.take(1, 0)).toEqual({ ok: false, remaining: 0, retryAfterMs: 500, resetMs: 1_500 });
    expect(b.take(1, 499).ok).toBe(false);
    expect(b.take(1, 500)).toEqual({ ok: true, remaining: 0, retryAfterMs: 0, resetMs: 1_500 });
  });

  it('refills continuously up to the burst, never beyond', () => {
    const b = new TokenBucket({ ratePerSecond: 10, burst: 5 }, 1_000);
    b.take(5, 1_000);
    expect(b.available(1_250)).toBeCloseTo(2.5);
    expect(b.available(60_000)).toBe(5);
    expect(b.isFull(60_000)).toBe(true);
  });

  it('takes several tokens at once or none', () => {
    const b = new TokenBucket({ ratePerSecond: 1, burst: 10 }, 0);
    expect(b.take(7, 0)).toMatchObject({ ok: true, remaining: 3 });
    expect(b.take(4, 0)).toEqual({ ok: false, remaining: 3, retryAfterMs: 1_000, resetMs: 7_000 });
    expect(b.available(0)).toBe(3);
  });

  it('handles fractional rates and rounds waiting times up', () => {
    const b = new TokenBucket({ ratePerSecond: 0.3, burst: 1 }, 0);
    b.take(1, 0);
    expect(b.take(1, 0).retryAfterMs).toBe(3_334);
    expect(b.take(1, 3_333).ok).toBe(false);
    expect(b.take(1, 3_334).ok).toBe(true);
  });

  it('uses the injected clock when no time is given, and ignores a clock stepping back', () => {
    let now = 10_000;
    const b = new TokenBucket({ ratePerSecond: 1, burst: 2, clock: () => now });
    b.take(2);
    now = 5_000;
    expect(b.take().ok).toBe(false);
    now = 11_000;
    expect(b.take().ok).toBe(true);
  });

  it('refuses impossible settings and requests', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    const b = new TokenBucket({ ratePerSecond: 1, burst: 2 }, 0);
    expect(() => b.take(3, 0)).toThrow(RangeError);
    expect(() => b.take(-1, 0)).toThrow(RangeError);
  });
});

describe('token bucket math', () => {
  it('refills in proportion to elapsed time, capped at the burst', () => {
    expect(refillTokens(0, 1_000, 1_500, 4, 10)).toBe(2);
    expect(refillTokens(9, 0, 10_000, 4, 10)).toBe(10);
  });

  it('adds nothing when the clock steps back', () => {
    expect(refillTokens(1.5, 2_000, 1_000, 4, 10)).toBe(1.5);
  });

  it('rounds the wait for missing tokens up to the next millisecond, and is 0 when they are there', () => {
    expect(msUntilTokens(0, 1, 3)).toBe(334);
    expect(msUntilTokens(2, 1, 3)).toBe(0);
  });
});
