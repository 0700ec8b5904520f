import { TenantRateLimiter } from './tenant-rate-limiter';

describe('TenantRateLimiter', () => {
  it('limits each tenant on its own', () => {
    const limiter = new TenantRateLimiter({ ratePerSecond: 2, burst: 3 });
    const a = [1, 2, 3, 4].map(() => limiter.take('a', 0).ok);
    expect(a).toEqual([true, true, true, false]);
    expect(limiter.take('b', 0)).toMatchObject({ ok: true, remaining: 2 });
    expect(limiter.take('a', 0)).toMatchObject({ ok: false, retryAfterMs: 500 });
    expect(limiter.take('a', 500).ok).toBe(true);
  });

  it('drops idle (full) buckets once many accumulated, keeping those in use', () => {
    const limiter = new TenantRateLimiter({ ratePerSecond: 1, burst: 2 }, 3);
    limiter.take('busy', 0);
    limiter.take('idle-1', 0);
    limiter.take('idle-2', 0);
    expect(limiter.size).toBe(3);
    // At 1.5 s the idle ones have refilled; "busy" is taken again so it is not full.
    limiter.take('busy', 1_000);
    limiter.take('busy', 1_000);
    limiter.take('new', 1_500);
    expect(limiter.size).toBe(2);
    expect(limiter.take('busy', 1_500)).toMatchObject({ ok: false });
  });
});
