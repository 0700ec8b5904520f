import { closedBreaker } from './breaker';
import { emptyLimitState, LimitState, ownEntry, parseProbeSlot, pickState, probeSlotKey, releaseSlots } from './state';

function withCounts(counts: Record<string, number>): LimitState {
  return { ...emptyLimitState(), inFlight: { ...counts } };
}

describe('releaseSlots', () => {
  it('takes one off each slot counter the job held, and reports them touched', () => {
    const { state, touched } = releaseSlots(withCounts({ 'c1|tenant=t1': 2, 'q1|tenant=t1|@active': 1 }), ['q1|tenant=t1|@active', 'c1|tenant=t1']);
    expect(state.inFlight).toEqual({ 'c1|tenant=t1': 1, 'q1|tenant=t1|@active': 0 });
    expect(touched).toEqual(['c1|tenant=t1', 'q1|tenant=t1|@active']);
  });

  it('never goes below zero and ignores counters it does not know', () => {
    const { state, touched } = releaseSlots(withCounts({ c1: 0 }), ['c1', 'c1', 'nope']);
    expect(state.inFlight).toEqual({ c1: 0 });
    expect(touched).toEqual([]);
  });

  it('does not modify the state it is given', () => {
    const before = withCounts({ c1: 2 });
    releaseSlots(before, ['c1']);
    expect(before.inFlight.c1).toBe(2);
  });

  it('frees a half-open breaker’s probe slot of the same period only', () => {
    const state: LimitState = { ...emptyLimitState(), breakers: { 'b1|source=nvd': { ...closedBreaker(0), status: 'half_open', since: 500, probesInFlight: 2 } } };
    const stale = releaseSlots(state, [probeSlotKey('b1|source=nvd', 100)]);
    expect(stale.touched).toEqual([]);
    const fresh = releaseSlots(state, [probeSlotKey('b1|source=nvd', 500)]);
    expect(fresh.state.breakers['b1|source=nvd'].probesInFlight).toBe(1);
    expect(fresh.touched).toEqual(['b1|source=nvd']);
    expect(releaseSlots(emptyLimitState(), [probeSlotKey('gone', 1)]).touched).toEqual([]);
  });

  it('parses probe slot keys and nothing else', () => {
    expect(parseProbeSlot('b1|source=nvd|@probe:1700000000000')).toEqual(['b1|source=nvd', 1_700_000_000_000]);
    expect(parseProbeSlot('c1|tenant=t1')).toBeNull();
    expect(parseProbeSlot('b1|@probe:soon')).toBeNull();
    expect(parseProbeSlot('b1|@probe:')).toBeNull();
  });
});

describe('state entries', () => {
  it('never reads inherited properties as entries', () => {
    expect(ownEntry({}, 'constructor')).toBeUndefined();
    expect(ownEntry({ constructor: 3 }, 'constructor')).toBe(3);
    expect(releaseSlots(emptyLimitState(), ['toString']).touched).toEqual([]);
  });

  it('picks the entries of the given keys from whichever map holds them', () => {
    const state: LimitState = {
      buckets: { r1: { tokens: 1, updatedAt: 0 } },
      inFlight: { c1: 2, c2: 1 },
      usage: { 'q1|@day': { windowStart: 0, count: 1 } },
      breakers: { b1: closedBreaker(0) },
    };
    expect(pickState(state, ['r1', 'c1', 'q1|@day', 'b1', 'missing'])).toEqual({ ...state, inFlight: { c1: 2 } });
  });
});
