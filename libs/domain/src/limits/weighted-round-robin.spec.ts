import fc from 'fast-check';
import { pickWeighted, WeightedRoundRobin, WeightedRoundRobinState } from './weighted-round-robin';

describe('WeightedRoundRobin', () => {
  it('spreads turns by weight rather than in runs', () => {
    const wrr = new WeightedRoundRobin({ a: 3, b: 1 });
    expect(Array.from({ length: 8 }, () => wrr.next(['a', 'b'])).join('')).toBe('aabaaaba');
  });

  it('gives turns only to tenants with work, and none when nobody has any', () => {
    const wrr = new WeightedRoundRobin({ a: 100 });
    expect([wrr.next(['b']), wrr.next(['b', 'c']), wrr.next([])]).toEqual(['b', 'b', null]);
  });

  it('weighs unlisted tenants by the default and follows new weights', () => {
    const wrr = new WeightedRoundRobin({}, 2);
    wrr.setWeights({ a: 1 });
    const picks = Array.from({ length: 6 }, () => wrr.next(['a', 'b']));
    expect(picks.filter((p) => p === 'b')).toHaveLength(4);
  });

  it('lets a forgotten tenant start afresh', () => {
    const wrr = new WeightedRoundRobin();
    wrr.next(['a', 'b']);
    wrr.forget('b');
    expect(wrr.next(['a', 'b'])).toBe('b');
  });

  it('refuses weights that are not positive', () => {
    expect(() => new WeightedRoundRobin({ a: -1 }).next(['a'])).toThrow(RangeError);
  });

  it('gives each tenant exactly its weight in every full cycle', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 6 }), { minKeys: 1 }), (w) => {
        const tenants = Object.keys(w);
        const cycle = tenants.reduce((s, t) => s + w[t], 0);
        let state: WeightedRoundRobinState = { credits: {} };
        for (let round = 0; round < 3; round++) {
          const counts: Record<string, number> = {};
          for (let i = 0; i < cycle; i++) {
            const r = pickWeighted(state, w, tenants);
            state = r.state;
            counts[r.pick!] = (counts[r.pick!] ?? 0) + 1;
          }
          expect(counts).toEqual(w);
        }
      }),
    );
  });

  it('always picks a tenant with work when there is one, whatever the sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.subarray(['a', 'b', 'c']), { maxLength: 50 }), (rounds) => {
        const wrr = new WeightedRoundRobin({ a: 5, b: 2 });
        for (const withWork of rounds) {
          const pick = wrr.next(withWork);
          if (withWork.length === 0) expect(pick).toBeNull();
          else expect(withWork).toContain(pick);
        }
      }),
    );
  });
});
