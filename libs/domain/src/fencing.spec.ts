import { checkFence, LeaseState } from './fencing';

const now = new Date('2026-11-23T10:00:00Z');
const state: LeaseState = { status: 'running', leaseId: 'L1', fencingToken: 4, leaseExpiresAt: new Date(now.getTime() + 5000) };

describe('fencing', () => {
  it('accepts the current lease', () => {
    expect(checkFence(state, { leaseId: 'L1', fencingToken: 4 }, now)).toEqual({ ok: true });
    expect(checkFence({ ...state, status: 'leased' }, { leaseId: 'L1', fencingToken: 4 }, now)).toEqual({ ok: true });
  });

  it('refuses an older fencing token', () => {
    expect(checkFence(state, { leaseId: 'L1', fencingToken: 3 }, now)).toEqual({ ok: false, reason: 'stale_token' });
  });

  it('refuses another lease id', () => {
    expect(checkFence(state, { leaseId: 'L0', fencingToken: 4 }, now)).toEqual({ ok: false, reason: 'stale_token' });
  });

  it('refuses a lease past its expiry even before the reaper ran', () => {
    expect(checkFence(state, { leaseId: 'L1', fencingToken: 4 }, new Date(now.getTime() + 5000))).toEqual({ ok: false, reason: 'lease_expired' });
  });

  it('refuses any call once the job is no longer leased', () => {
    for (const status of ['queued', 'succeeded', 'failed', 'canceled', 'timed_out', 'pending', 'throttled'] as const) {
      expect(checkFence({ ...state, status }, { leaseId: 'L1', fencingToken: 4 }, now)).toEqual({ ok: false, reason: 'not_leased' });
    }
  });
});
