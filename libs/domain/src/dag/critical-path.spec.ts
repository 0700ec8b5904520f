import fc from 'fast-check';
import { criticalPath } from './critical-path';
import { DagGraph, validateDag } from './graph';

function graph(deps: Record<string, string[]>): DagGraph {
  const result = validateDag({ jobs: Object.entries(deps).map(([key, dependsOn]) => ({ key, dependsOn })) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.graph;
}

/** Every path of the graph, enumerated from every node (small graphs only). */
function bruteForceLongest(g: DagGraph, d: (k: string) => number): number {
  let best = 0;
  const walk = (key: string, sum: number): void => {
    best = Math.max(best, sum);
    for (const c of g.children.get(key)!) walk(c, sum + d(c));
  };
  for (const k of g.keys) walk(k, d(k));
  return best;
}

describe('criticalPath', () => {
  it('follows the longest chain by summed duration, not by job count', () => {
    //  a(1) → b(1) → c(1) → e(1)
    //  a(1) → d(10) ────────→ e(1)
    const g = graph({ a: [], b: ['a'], c: ['b'], d: ['a'], e: ['c', 'd'] });
    const durations: Record<string, number> = { a: 1, b: 1, c: 1, d: 10, e: 1 };
    expect(criticalPath(g, (k) => durations[k])).toEqual({ keys: ['a', 'd', 'e'], totalMs: 12 });
    expect(criticalPath(g, (k) => (k === 'd' ? 0 : durations[k]))).toEqual({ keys: ['a', 'b', 'c', 'e'], totalMs: 4 });
  });

  it('breaks ties towards the job earlier in topological order', () => {
    const g = graph({ x: [], y: [], z: ['y', 'x'] });
    expect(criticalPath(g, () => 5)).toEqual({ keys: ['x', 'z'], totalMs: 10 });
    expect(criticalPath(graph({ p: [], q: [] }), () => 0)).toEqual({ keys: ['p'], totalMs: 0 });
  });

  it('refuses a negative or non-finite duration', () => {
    const g = graph({ a: [] });
    expect(() => criticalPath(g, () => -1)).toThrow(RangeError);
    expect(() => criticalPath(g, () => Number.NaN)).toThrow(/"a"/);
  });

  it('handles a 1,000-job chain and a 1,000-job fan-out', () => {
    const chain = graph(Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`j${i}`, i === 0 ? [] : [`j${i - 1}`]])));
    expect(criticalPath(chain, () => 2)).toMatchObject({ totalMs: 2_000 });
    const fan = graph(Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`j${i}`, i === 0 ? [] : ['j0']])));
    expect(criticalPath(fan, (k) => (k === 'j500' ? 7 : 1))).toEqual({ keys: ['j0', 'j500'], totalMs: 8 });
  });

  it('is a real path whose total is the brute-force maximum and at least any single job', () => {
    const scenario = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 16 }),
        durations: fc.array(fc.nat(1_000), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ n, edges, durations }) => {
        const deps: Record<string, string[]> = {};
        for (let i = 0; i < n; i++) deps[`j${i}`] = edges.filter(([a, b]) => a < b && b === i).map(([a]) => `j${a}`);
        const g = graph(deps);
        const d = (k: string) => durations[Number(k.slice(1))];
        const { keys, totalMs } = criticalPath(g, d);
        expect(totalMs).toBe(bruteForceLongest(g, d));
        expect(totalMs).toBeGreaterThanOrEqual(Math.max(...durations));
        expect(keys.reduce((sum, k) => sum + d(k), 0)).toBe(totalMs);
        keys.slice(1).forEach((k, i) => expect(g.parents.get(k)).toContain(keys[i]));
      }),
      { numRuns: 300 },
    );
  });
});
