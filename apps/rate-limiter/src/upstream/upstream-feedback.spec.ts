import { applyUpstreamFeedback, RateRule } from '@orch/domain';
import { slowedBucket } from './upstream-feedback';

const rule: RateRule = { id: 't1:up', tenant: 't1', kind: 'rate', match: { source: 'nvd' }, per: ['source'], ratePerSecond: 10, burst: 10, adaptive: { decreaseFactor: 0.5, recoveryPerSecond: 0.1 } };

describe('slowedBucket (the reply to an upstream report)', () => {
  const now = 1_000_000;

  it('shows a hold as rate 0 until Retry-After, then the halved rate climbing back to the configured one', () => {
    const bucket = applyUpstreamFeedback(undefined, { status: 429, retryAfterMs: 2_000 }, now, rule);
    const s = slowedBucket('t1', rule, 't1:up|source=nvd', bucket, now);
    expect(s).toEqual({
      ruleId: 'up',
      key: 'up|source=nvd',
      ratePerSecond: 0,
      configuredRatePerSecond: 10,
      holdUntil: new Date(now + 2_000).toISOString(),
      // 0.5 → 1 at 0.1 per second: 5 s after the hold.
      recoversAt: new Date(now + 7_000).toISOString(),
    });
    expect(slowedBucket('t1', rule, 't1:up|source=nvd', bucket, now + 2_000).ratePerSecond).toBe(5);
  });

  it('without Retry-After: no hold, half the rate at once', () => {
    const bucket = applyUpstreamFeedback(undefined, { status: 503 }, now, rule);
    expect(slowedBucket('t1', rule, 'k', bucket, now)).toMatchObject({ ratePerSecond: 5, holdUntil: null, recoversAt: new Date(now + 5_000).toISOString() });
  });
});
