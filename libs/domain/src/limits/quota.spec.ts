import { addQuotaUsage, QUOTA_DAY_MS, QUOTA_HOUR_MS, quotaRemaining, quotaUsed, quotaWindowReset, quotaWindowStart } from './quota';
import type { QuotaRule } from './rules';
import { emptyLimitState } from './state';

const at = Date.UTC(2026, 10, 5, 13, 42, 7);

describe('quota windows', () => {
  it('are whole UTC hours and UTC days', () => {
    expect(quotaWindowStart('hour', at)).toBe(Date.UTC(2026, 10, 5, 13));
    expect(quotaWindowReset('hour', at)).toBe(Date.UTC(2026, 10, 5, 14));
    expect(quotaWindowStart('day', at)).toBe(Date.UTC(2026, 10, 5));
    expect(quotaWindowReset('day', at)).toBe(Date.UTC(2026, 10, 6));
    expect(quotaWindowReset('hour', Date.UTC(2026, 10, 5, 14)) - QUOTA_HOUR_MS).toBe(Date.UTC(2026, 10, 5, 14));
    expect(QUOTA_DAY_MS).toBe(24 * QUOTA_HOUR_MS);
  });

  it('count usage only within the current window, and start a stale one again at 1', () => {
    const row = { windowStart: Date.UTC(2026, 10, 5, 12), count: 9 };
    expect(quotaUsed(row, 'hour', at)).toBe(0);
    expect(quotaUsed(row, 'day', at)).toBe(9);
    expect(addQuotaUsage(row, 'hour', at)).toEqual({ windowStart: Date.UTC(2026, 10, 5, 13), count: 1 });
    expect(addQuotaUsage(undefined, 'day', at)).toEqual({ windowStart: Date.UTC(2026, 10, 5), count: 1 });
  });

  it('keep counting a row of a later window written by a replica whose clock is ahead', () => {
    const ahead = { windowStart: Date.UTC(2026, 10, 5, 14), count: 3 };
    expect(quotaUsed(ahead, 'hour', at)).toBe(3);
    expect(addQuotaUsage(ahead, 'hour', at)).toEqual({ windowStart: Date.UTC(2026, 10, 5, 14), count: 4 });
  });
});

describe('quotaRemaining', () => {
  const quota: QuotaRule = { id: 'q1', tenant: 't1', match: {}, per: ['tenant', 'jobType'], maxActive: 3, maxPerHour: 10, maxPerDay: 100 };

  it('reports each figure’s limit, use, remainder and reset', () => {
    const state = emptyLimitState();
    state.inFlight['q1|tenant=t1|jobType=scan|@active'] = 1;
    state.usage['q1|tenant=t1|jobType=scan|@hour'] = { windowStart: Date.UTC(2026, 10, 5, 13), count: 12 };
    state.usage['q1|tenant=t1|jobType=scan|@day'] = { windowStart: Date.UTC(2026, 10, 5), count: 40 };
    expect(quotaRemaining(quota, state, at, 'q1|tenant=t1|jobType=scan')).toEqual({
      key: 'q1|tenant=t1|jobType=scan',
      active: { limit: 3, used: 1, remaining: 2, resetAt: null },
      hour: { limit: 10, used: 12, remaining: 0, resetAt: Date.UTC(2026, 10, 5, 14) },
      day: { limit: 100, used: 40, remaining: 60, resetAt: Date.UTC(2026, 10, 6) },
    });
  });

  it('leaves out figures the quota does not set, and counts nothing for an unused key', () => {
    const r = quotaRemaining({ ...quota, maxActive: null, maxPerDay: undefined }, emptyLimitState(), at, 'q1|tenant=t1|jobType=x');
    expect(r).toMatchObject({ active: null, day: null, hour: { used: 0, remaining: 10 } });
  });
});
