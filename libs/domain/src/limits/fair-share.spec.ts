import fc from 'fast-check';
import { chargeFairShare, compareFairWithinKey, defaultFairKey, FAIR_STRIDE_UNIT, FairCandidate, fairOrder, FairShareState } from './fair-share';

const ONE = FAIR_STRIDE_UNIT;

let seq = 0;
function work(tenant: string, n: number, over: Partial<FairCandidate> = {}): FairCandidate[] {
  return Array.from({ length: n }, (_, i) => ({
    jobId: `${tenant}-${String(++seq).padStart(6, '0')}`,
    tenant,
    project: 'p',
    source: null,
    jobType: 'scan',
    priority: 5,
    readyAt: i,
    ...over,
  }));
}
const tenantsOf = (list: FairCandidate[]): string => list.map((c) => c.tenant).join('');

describe('fairOrder', () => {
  it('interleaves tenants of equal weight, whatever order the work came in', () => {
    const { ordered } = fairOrder([...work('a', 3), ...work('b', 3), ...work('c', 1)], {});
    expect(tenantsOf(ordered)).toBe('abcabab');
  });

  it('gives weight 3 three turns for every one of weight 1', () => {
    const { ordered } = fairOrder([...work('b', 10), ...work('a', 10)], { a: 3, b: 1 });
    expect(tenantsOf(ordered.slice(0, 8))).toBe('abaaabaa');
  });

  it('gives an idle tenant’s share to the others (work-conserving)', () => {
    expect(tenantsOf(fairOrder(work('b', 4), { a: 100, b: 1 }).ordered)).toBe('bbbb');
  });

  it('orders within a key by priority, then age, then job id', () => {
    const list = [
      { ...work('a', 1)[0], jobId: 'x3', priority: 1, readyAt: 0 },
      { ...work('a', 1)[0], jobId: 'x2', priority: 9, readyAt: 50 },
      { ...work('a', 1)[0], jobId: 'x1', priority: 9, readyAt: 10 },
      { ...work('a', 1)[0], jobId: 'x0', priority: 9, readyAt: 10 },
    ];
    expect(fairOrder(list, {}).ordered.map((c) => c.jobId)).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect(compareFairWithinKey(list[0], list[0])).toBe(0);
  });

  it('shares a tenant’s turns among its keys, so one busy job type cannot starve another', () => {
    const list = [...work('a', 4, { jobType: 'bulk', priority: 9 }), ...work('a', 2, { jobType: 'small', priority: 0 })];
    expect(fairOrder(list, {}).ordered.map((c) => c.jobType)).toEqual(['bulk', 'small', 'bulk', 'small', 'bulk', 'bulk']);
    expect(defaultFairKey({ tenant: 't', project: 'p', source: null, jobType: 'j' })).toBe('p||j');
  });

  it('weights keys within a tenant and accepts a custom key', () => {
    const list = [...work('a', 4, { project: 'gold' }), ...work('a', 4, { project: 'tin' })];
    const { ordered } = fairOrder(list, {}, { keyOf: (c) => c.project, keyWeight: (_t, key) => (key === 'gold' ? 3 : 1) });
    expect(ordered.slice(0, 4).map((c) => c.project)).toEqual(['gold', 'tin', 'gold', 'gold']);
  });

  it('stops at the limit and charges only what it ordered', () => {
    const { ordered, state } = fairOrder([...work('a', 3), ...work('b', 3)], {}, { limit: 3 });
    expect(tenantsOf(ordered)).toBe('aba');
    // a is one job ahead of the virtual clock; each tenant's last-served key is one ahead of its key clock.
    expect(state.tenants).toEqual({ a: { lead: ONE, keys: { 'p||scan': ONE } }, b: { lead: 0, keys: { 'p||scan': ONE } } });
  });

  it('carries fairness across batches: the tenant behind goes first next time', () => {
    const first = fairOrder([...work('a', 3), ...work('b', 3)], {}, { limit: 3 });
    expect(tenantsOf(fairOrder([...work('a', 3), ...work('b', 3)], {}, { state: first.state, limit: 3 }).ordered)).toBe('bab');
  });

  it('does not let a tenant bank credit while it has no work', () => {
    let state: FairShareState | undefined;
    for (let i = 0; i < 20; i++) state = fairOrder(work('a', 5), {}, { state }).state;
    expect(tenantsOf(fairOrder([...work('a', 4), ...work('b', 4)], {}, { state }).ordered)).toBe('babababa');
  });

  it('charges only the jobs actually served when asked to', () => {
    const state = chargeFairShare(undefined, work('a', 2), {});
    expect(state.tenants).toEqual({ a: { lead: ONE, keys: { 'p||scan': ONE } } });
    expect(tenantsOf(fairOrder([...work('a', 2), ...work('b', 2)], {}, { state }).ordered)).toBe('baba');
  });

  it('refuses weights that are not positive numbers', () => {
    expect(() => fairOrder(work('a', 1), { a: 0 })).toThrow(RangeError);
    expect(() => fairOrder(work('a', 1), {}, { defaultWeight: Number.NaN })).toThrow(RangeError);
  });
});

describe('fairOrder invariants', () => {
  const backlog = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 30 }), { minKeys: 1 });
  const build = (counts: Record<string, number>): FairCandidate[] =>
    Object.entries(counts).flatMap(([t, n]) => work(t, n, { jobType: ['x', 'y'][n % 2] }));

  it('orders every candidate exactly once', () => {
    fc.assert(
      fc.property(backlog, (counts) => {
        const list = build(counts);
        const ordered = fairOrder(list, {}).ordered;
        expect(ordered.map((c) => c.jobId).sort()).toEqual(list.map((c) => c.jobId).sort());
      }),
    );
  });

  it('keeps every still-backlogged tenant within one job of each other in every prefix, at equal weights', () => {
    fc.assert(
      fc.property(backlog, (counts) => {
        const ordered = fairOrder(build(counts), {}).ordered;
        const served: Record<string, number> = {};
        for (const c of ordered) {
          served[c.tenant] = (served[c.tenant] ?? 0) + 1;
          const backlogged = Object.keys(counts).filter((t) => (served[t] ?? 0) < counts[t]);
          const shares = backlogged.map((t) => served[t] ?? 0);
          if (shares.length > 1) expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('gives every backlogged tenant its weighted share within one job per contender, in every prefix', () => {
    const weights = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 5 }), { minKeys: 1 });
    fc.assert(
      fc.property(weights, (w) => {
        const tenants = Object.keys(w);
        const total = tenants.reduce((s, t) => s + w[t], 0);
        const ordered = fairOrder(tenants.flatMap((t) => work(t, 200)), w, { limit: 200 }).ordered;
        const served: Record<string, number> = {};
        ordered.forEach((c, i) => {
          served[c.tenant] = (served[c.tenant] ?? 0) + 1;
          for (const t of tenants) expect(Math.abs((served[t] ?? 0) - ((i + 1) * w[t]) / total)).toBeLessThanOrEqual(tenants.length + 1e-9);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('converges to 3:1 shares for weights 3:1', () => {
    const ordered = fairOrder([...work('a', 1_000), ...work('b', 1_000)], { a: 3, b: 1 }, { limit: 800 }).ordered;
    let a = 0;
    ordered.forEach((c, i) => {
      if (c.tenant === 'a') a++;
      expect(Math.abs(a - ((i + 1) * 3) / 4)).toBeLessThanOrEqual(1.5);
    });
    expect(a).toBe(600);
  });

  it('orders the same in batches with carried state as in one go', () => {
    fc.assert(
      fc.property(backlog, fc.integer({ min: 1, max: 7 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 4 })), (counts, batch, w) => {
        const list = build(counts);
        const whole = fairOrder(list, w).ordered.map((c) => c.jobId);
        const pieces: string[] = [];
        let rest = list;
        let state: FairShareState | undefined;
        while (rest.length > 0) {
          const r = fairOrder(rest, w, { state, limit: batch });
          state = r.state;
          const taken = new Set(r.ordered.map((c) => c.jobId));
          pieces.push(...taken);
          rest = rest.filter((c) => !taken.has(c.jobId));
        }
        expect(pieces).toEqual(whole);
      }),
    );
  });

  it('keeps priorities and age within every key', () => {
    const job = fc.record({
      tenant: fc.constantFrom('a', 'b'),
      jobType: fc.constantFrom('x', 'y'),
      priority: fc.integer({ min: 0, max: 9 }),
      readyAt: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(job, { maxLength: 40 }), (jobs) => {
        const list = jobs.map((j, i) => ({ ...j, jobId: `j${i}`, project: 'p', source: null }));
        const ordered = fairOrder(list, { a: 2 }).ordered;
        for (let i = 0; i < ordered.length; i++) {
          for (let k = i + 1; k < ordered.length; k++) {
            const [x, y] = [ordered[i], ordered[k]];
            if (x.tenant === y.tenant && x.jobType === y.jobType) expect(compareFairWithinKey(x, y)).toBeLessThanOrEqual(0);
          }
        }
      }),
    );
  });
});
