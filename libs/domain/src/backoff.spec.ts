import { backoffCeilingMs, backoffMs, BackoffPolicy } from './backoff';
import { decideFailure } from './failure';

const policy: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0.5 };

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffCeilingMs(a, policy))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
  });

  it('keeps jittered delays between half the ceiling and the ceiling', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = backoffCeilingMs(attempt, policy);
      expect(backoffMs(attempt, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(attempt, policy, () => 1)).toBe(ceiling);
      const r = backoffMs(attempt, policy);
      expect(r).toBeGreaterThanOrEqual(ceiling / 2);
      expect(r).toBeLessThanOrEqual(ceiling);
    }
  });

  it('spreads delays with real randomness (jitter is not constant)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffMs(5, policy)));
    expect(seen.size).toBeGreaterThan(10);
  });

  it("treats a worker's retryAfterMs as a floor", () => {
    expect(backoffMs(1, policy, () => 0, 45_000)).toBe(45_000);
    expect(backoffMs(3, policy, () => 1, 10)).toBe(4000);
  });

  it('rejects a non-positive attempt', () => {
    expect(() => backoffCeilingMs(0, policy)).toThrow(RangeError);
  });

  it('does not overflow for huge attempt numbers', () => {
    expect(backoffCeilingMs(10_000, policy)).toBe(60_000);
  });
});

describe('failure decision', () => {
  const base = { maxAttempts: 3, retryAfterMs: undefined, cause: 'worker_failure' as const };

  it('retries a retryable failure with attempts left, after backoff', () => {
    const d = decideFailure({ ...base, attempt: 1, retryable: true }, policy, () => 0);
    expect(d).toEqual({ kind: 'retry', nextAttempt: 2, backoffMs: 500, reason: 'retry_backoff' });
  });

  it('ends failed when attempts are exhausted', () => {
    expect(decideFailure({ ...base, attempt: 3, retryable: true }, policy)).toEqual({
      kind: 'terminal',
      status: 'failed',
      reason: 'attempts_exhausted',
    });
  });

  it('ends failed at once for a non-retryable error', () => {
    expect(decideFailure({ ...base, attempt: 1, retryable: false }, policy)).toMatchObject({ kind: 'terminal', reason: 'non_retryable' });
  });

  it('labels a retry caused by an expired lease', () => {
    expect(decideFailure({ ...base, attempt: 1, retryable: true, cause: 'lease_expired' }, policy)).toMatchObject({ reason: 'lease_expired' });
  });
});
