import fc from 'fast-check';
import { DagGraph, DagProblem, DagSpec, validateDag } from './graph';

function graphOf(spec: DagSpec): DagGraph {
  const result = validateDag(spec);
  if (!result.ok) throw new Error(`expected a valid graph, got ${JSON.stringify(result.problems)}`);
  return result.graph;
}

function problemsOf(spec: DagSpec): DagProblem[] {
  const result = validateDag(spec);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const jobs = (...keys: string[]) => keys.map((key) => ({ key }));

/** Whether some ordering of the nodes puts every edge forward (true brute force, small n only). */
function bruteForceAcyclic(n: number, edges: [number, number][]): boolean {
  const permute = (placed: number[], rest: number[]): boolean => {
    if (rest.length === 0) {
      const pos = new Map(placed.map((v, i) => [v, i]));
      return edges.every(([a, b]) => pos.get(a)! < pos.get(b)!);
    }
    return rest.some((v, i) => permute([...placed, v], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  return permute([], Array.from({ length: n }, (_, i) => i));
}

const smallGraph = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 14 }),
    viaDependsOn: fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
  }),
);

function specOf(n: number, edges: [number, number][], viaDependsOn: boolean[] = []): DagSpec {
  const dependsOn: string[][] = Array.from({ length: n }, () => []);
  const listed: { from: string; to: string }[] = [];
  edges.forEach(([a, b], i) => (viaDependsOn[i] ? dependsOn[b].push(`j${a}`) : listed.push({ from: `j${a}`, to: `j${b}` })));
  return { jobs: dependsOn.map((d, i) => ({ key: `j${i}`, dependsOn: d })), edges: listed };
}

describe('validateDag', () => {
  it('merges edges declared twice or both ways and lists parents, children and roots in input order', () => {
    const g = graphOf({
      jobs: [{ key: 'a' }, { key: 'b' }, { key: 'c', dependsOn: ['b', 'a', 'a'] }, { key: 'd', dependsOn: ['c'] }],
      edges: [
        { from: 'a', to: 'c' },
        { from: 'c', to: 'd' },
        { from: 'a', to: 'd' },
      ],
    });
    expect(g.edges).toEqual([
      { from: 'a', to: 'c' },
      { from: 'b', to: 'c' },
      { from: 'a', to: 'd' },
      { from: 'c', to: 'd' },
    ]);
    expect(g.parents.get('c')).toEqual(['a', 'b']);
    expect(g.children.get('a')).toEqual(['c', 'd']);
    expect(g.roots).toEqual(['a', 'b']);
    expect(g.order).toEqual(['a', 'b', 'c', 'd']);
    expect(g.rank.get('d')).toBe(3);
  });

  it('keeps an input already in dependency order and reorders one that is not', () => {
    expect(graphOf({ jobs: [{ key: 'x' }, { key: 'z', dependsOn: ['x'] }, { key: 'y' }] }).order).toEqual(['x', 'z', 'y']);
    const reversed = graphOf({ jobs: [{ key: 'c', dependsOn: ['b'] }, { key: 'b', dependsOn: ['a'] }, { key: 'a' }] });
    expect(reversed.order).toEqual(['a', 'b', 'c']);
    expect(reversed.keys).toEqual(['c', 'b', 'a']);
  });

  it('refuses an empty run, and a run over the job or edge limits without looking further', () => {
    expect(problemsOf({ jobs: [] })).toEqual([expect.objectContaining({ code: 'empty' })]);
    const limits = { maxJobs: 3, maxEdges: 2 };
    const tooMany = validateDag({ jobs: jobs('a', 'a', 'b', 'c') }, limits);
    expect(tooMany).toEqual({ ok: false, problems: [expect.objectContaining({ code: 'too_many_jobs', limit: 3, actual: 4 })] });
    const spec = { jobs: [...jobs('a', 'b'), { key: 'c', dependsOn: ['a', 'b', 'a', 'ghost'] }], edges: [{ from: 'a', to: 'c' }] };
    expect(validateDag(spec, limits)).toEqual({ ok: false, problems: [expect.objectContaining({ code: 'too_many_edges', limit: 2, actual: 3 })] });
  });

  it('names duplicate keys with every position that uses them', () => {
    expect(problemsOf({ jobs: jobs('a', 'b', 'a', 'c', 'a', 'b') })).toEqual([
      expect.objectContaining({ code: 'duplicate_key', key: 'a', indexes: [0, 2, 4] }),
      expect.objectContaining({ code: 'duplicate_key', key: 'b', indexes: [1, 5] }),
    ]);
  });

  it('names which job refers to which missing key, once per reference', () => {
    const problems = problemsOf({
      jobs: [{ key: 'a', dependsOn: ['ghost', 'ghost'] }, { key: 'b' }],
      edges: [
        { from: 'phantom', to: 'b' },
        { from: 'a', to: 'nowhere' },
        { from: 'ghost', to: 'a' },
      ],
    });
    expect(problems.map(({ message: _m, ...p }) => p)).toEqual([
      { code: 'unknown_parent', job: 'a', parent: 'ghost' },
      { code: 'unknown_parent', job: 'b', parent: 'phantom' },
      { code: 'unknown_child', parent: 'a', child: 'nowhere' },
    ]);
    expect(problems[0].message).toBe('job "a" depends on "ghost", which is not a job of this run');
  });

  it('reports a self-edge once and not as a cycle', () => {
    const problems = problemsOf({ jobs: [{ key: 'a', dependsOn: ['a'] }, { key: 'b' }], edges: [{ from: 'a', to: 'a' }] });
    expect(problems).toEqual([{ code: 'self_edge', key: 'a', message: 'job "a" depends on itself' }]);
  });

  it('reports each cycle separately, in edge order from its earliest member', () => {
    const both = problemsOf({
      jobs: [...jobs('ok', 'x'), { key: 'p', dependsOn: ['r'] }, { key: 'q', dependsOn: ['p'] }, { key: 'r', dependsOn: ['q', 'ok'] }, { key: 'y', dependsOn: ['x'] }],
      edges: [{ from: 'y', to: 'x' }],
    });
    expect(both).toEqual([
      { code: 'cycle', keys: ['x', 'y'], members: ['x', 'y'], message: 'cycle x → y → x' },
      { code: 'cycle', keys: ['p', 'q', 'r'], members: ['p', 'q', 'r'], message: 'cycle p → q → r → p' },
    ]);
  });

  it('gives one cycle and all members for a tangle of several cycles', () => {
    const [problem] = problemsOf({
      jobs: [{ key: 'a', dependsOn: ['c'] }, { key: 'b', dependsOn: ['a', 'c'] }, { key: 'c', dependsOn: ['b'] }, { key: 'd', dependsOn: ['b'] }],
      edges: [{ from: 'd', to: 'c' }],
    });
    expect(problem).toMatchObject({ code: 'cycle', keys: ['a', 'b', 'c'], members: ['a', 'b', 'c', 'd'] });
  });

  it('reports every kind of problem in one answer', () => {
    const problems = problemsOf({
      jobs: [{ key: 'a', dependsOn: ['b'] }, { key: 'b', dependsOn: ['a', 'zz'] }, { key: 'a' }, { key: 's', dependsOn: ['s'] }],
    });
    expect(problems.map((p) => p.code)).toEqual(['duplicate_key', 'unknown_parent', 'self_edge', 'cycle']);
  });

  it('validates a 1,000-job chain given in reverse order', () => {
    const n = 1_000;
    const g = graphOf({ jobs: Array.from({ length: n }, (_, i) => ({ key: `j${n - 1 - i}`, dependsOn: i === n - 1 ? [] : [`j${n - 2 - i}`] })) });
    expect(g.order).toEqual(Array.from({ length: n }, (_, i) => `j${i}`));
    expect(g.roots).toEqual(['j0']);
  });

  it('validates a 1,000-job fan-out/fan-in with 10,000 edges', () => {
    const keys = Array.from({ length: 1_000 }, (_, i) => `j${i}`);
    // 10 layers of 100 jobs; each job below the first depends on 11 jobs of the layer above.
    const edges = keys.slice(100).flatMap((to, i) =>
      Array.from({ length: 11 }, (_, k) => ({ from: keys[Math.floor(i / 100) * 100 + ((i + 9 * k) % 100)], to })),
    );
    const g = graphOf({ jobs: keys.map((key) => ({ key })), edges: [...edges, ...edges.slice(0, 100).map(({ from }) => ({ from, to: 'j999' }))] });
    expect(g.edges.length).toBeGreaterThan(9_900);
    expect(g.edges.length).toBeLessThanOrEqual(10_000);
    expect(g.roots).toEqual(keys.slice(0, 100));
    expect(g.order.indexOf('j999')).toBe(999);
    const wide = graphOf({ jobs: [{ key: 'root' }, ...keys.slice(1).map((key) => ({ key, dependsOn: ['root'] }))] });
    expect(wide.children.get('root')).toHaveLength(999);
  });

  it('reports a 1,000-job ring as one cycle in order', () => {
    const n = 1_000;
    const [problem] = problemsOf({ jobs: Array.from({ length: n }, (_, i) => ({ key: `j${i}`, dependsOn: [`j${(i + n - 1) % n}`] })) });
    expect(problem).toMatchObject({ code: 'cycle', keys: Array.from({ length: n }, (_, i) => `j${i}`) });
  });

  it('accepts exactly the acyclic graphs (brute force on small graphs)', () => {
    fc.assert(
      fc.property(smallGraph, ({ n, edges, viaDependsOn }) => {
        const result = validateDag(specOf(n, edges, viaDependsOn));
        const loops = edges.filter(([a, b]) => a === b);
        const expectedOk = loops.length === 0 && bruteForceAcyclic(n, edges);
        expect(result.ok).toBe(expectedOk);
        if (!result.ok) for (const p of result.problems) expect(['self_edge', 'cycle']).toContain(p.code);
      }),
      { numRuns: 300 },
    );
  });

  it('orders every parent before its child and returns the same graph whatever the declaration order', () => {
    const acyclic = smallGraph.map(({ n, edges, viaDependsOn }) => ({ n, edges: edges.filter(([a, b]) => a < b), viaDependsOn }));
    fc.assert(
      fc.property(acyclic, fc.boolean(), ({ n, edges, viaDependsOn }, flip) => {
        const g = graphOf(specOf(n, edges, viaDependsOn));
        expect([...g.order].sort()).toEqual([...g.keys].sort());
        for (const { from, to } of g.edges) expect(g.rank.get(from)!).toBeLessThan(g.rank.get(to)!);
        const again = graphOf(specOf(n, [...edges].reverse(), viaDependsOn.map((v) => v !== flip)));
        expect({ edges: again.edges, order: again.order, parents: again.parents, children: again.children }).toEqual({
          edges: g.edges,
          order: g.order,
          parents: g.parents,
          children: g.children,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reports only real cycles, whose members reach one another', () => {
    fc.assert(
      fc.property(smallGraph, ({ n, edges }) => {
        const result = validateDag(specOf(n, edges));
        if (result.ok) return;
        const has = new Set(edges.map(([a, b]) => `j${a}>j${b}`));
        const reach = (from: string, to: string): boolean => {
          const seen = new Set([from]);
          for (const todo = [from]; todo.length > 0; ) {
            const v = todo.pop()!;
            for (const [x, y] of edges) {
              if (`j${x}` !== v || seen.has(`j${y}`)) continue;
              seen.add(`j${y}`);
              todo.push(`j${y}`);
            }
          }
          return seen.has(to);
        };
        for (const p of result.problems) {
          if (p.code !== 'cycle') continue;
          p.keys.forEach((k, i) => expect(has.has(`${k}>${p.keys[(i + 1) % p.keys.length]}`)).toBe(true));
          expect(new Set(p.keys).size).toBe(p.keys.length);
          for (const a of p.members) for (const b of p.members) if (a !== b) expect(reach(a, b)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
