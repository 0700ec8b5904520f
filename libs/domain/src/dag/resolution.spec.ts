import { JobStatus, TERMINAL_STATUSES } from '@orch/contracts';
import fc from 'fast-check';
import { DagGraph, validateDag } from './graph';
import { FailurePolicy, evaluateDag, readyChildren } from './resolution';

function graph(deps: Record<string, string[]>): DagGraph {
  const result = validateDag({ jobs: Object.entries(deps).map(([key, dependsOn]) => ({ key, dependsOn })) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.graph;
}

//  a   b
//   \ / \
//    c   e
//    |
//    d
const diamond = graph({ a: [], b: [], c: ['a', 'b'], d: ['c'], e: ['b'] });
const all = (status: JobStatus, over: Record<string, JobStatus> = {}): Record<string, JobStatus> => ({
  ...Object.fromEntries(diamond.keys.map((k) => [k, status])),
  ...over,
});

describe('DAG dependency resolution', () => {
  it('makes the pending roots of a new run ready', () => {
    expect(evaluateDag(diamond, all('pending'))).toEqual({ ready: ['a', 'b'], cancel: [] });
  });

  it('makes a child ready only when its last parent succeeds', () => {
    expect(readyChildren(diamond, all('pending', { a: 'succeeded', b: 'running' }), 'a')).toEqual({ ready: [], cancel: [] });
    const statuses = all('pending', { a: 'succeeded', b: 'succeeded' });
    expect(readyChildren(diamond, statuses, 'b')).toEqual({ ready: ['c', 'e'], cancel: [] });
    expect(readyChildren(diamond, new Map(Object.entries(statuses)), 'b', 'continue')).toEqual({ ready: ['c', 'e'], cancel: [] });
  });

  it('does nothing for a job that is not terminal, and never names a job that left pending', () => {
    expect(readyChildren(diamond, all('pending', { a: 'succeeded', b: 'running' }), 'b')).toEqual({ ready: [], cancel: [] });
    expect(readyChildren(diamond, all('queued', { a: 'succeeded', b: 'succeeded' }), 'b')).toEqual({ ready: [], cancel: [] });
  });

  it.each(['failed', 'timed_out', 'canceled'] as const)('under "cancel", a parent ending %s cancels its pending dependants transitively', (end) => {
    const statuses = all('pending', { a: end, b: 'running' });
    expect(readyChildren(diamond, statuses, 'a', 'cancel')).toEqual({ ready: [], cancel: ['c', 'd'] });
    expect(evaluateDag(diamond, statuses, 'cancel')).toEqual({ ready: [], cancel: ['c', 'd'] });
  });

  it('under "cancel", stops at a dependant that is no longer pending', () => {
    const g = graph({ a: [], b: ['a'], c: ['b'], d: ['a'] });
    const statuses = { a: 'failed', b: 'queued', c: 'pending', d: 'pending' } as const;
    expect(readyChildren(g, statuses, 'a')).toEqual({ ready: [], cancel: ['d'] });
  });

  it('under "cancel", a child whose other parent failed earlier is canceled when the last parent succeeds', () => {
    expect(readyChildren(diamond, all('pending', { a: 'failed', b: 'succeeded', e: 'queued' }), 'b')).toEqual({ ready: [], cancel: ['c', 'd'] });
  });

  it('under "continue", a child runs once every parent is terminal, whatever the outcome, and nothing is canceled', () => {
    expect(readyChildren(diamond, all('pending', { a: 'failed', b: 'running' }), 'a', 'continue')).toEqual({ ready: [], cancel: [] });
    const statuses = all('pending', { a: 'failed', b: 'timed_out' });
    expect(readyChildren(diamond, statuses, 'b', 'continue')).toEqual({ ready: ['c', 'e'], cancel: [] });
    expect(evaluateDag(diamond, statuses, 'continue')).toEqual({ ready: ['c', 'e'], cancel: [] });
  });

  it('refuses unknown keys and missing statuses instead of guessing', () => {
    expect(() => readyChildren(diamond, all('pending'), 'zz')).toThrow(RangeError);
    expect(() => readyChildren(diamond, { a: 'succeeded' }, 'a')).toThrow(/no status for job "c"/);
    const odd = graph({ constructor: [] });
    expect(() => evaluateDag(odd, {})).toThrow(/no status for job "constructor"/);
  });

  const scenario = fc.record({
    n: fc.integer({ min: 1, max: 9 }),
    edges: fc.array(fc.tuple(fc.nat(8), fc.nat(8)), { maxLength: 20 }),
    policy: fc.constantFrom<FailurePolicy>('cancel', 'continue'),
    outcomes: fc.array(fc.constantFrom<JobStatus>('succeeded', 'succeeded', 'failed', 'timed_out', 'canceled'), { minLength: 9, maxLength: 9 }),
    picks: fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
  });

  it('drives any run to completion, starting each job only when its parents allow it (simulation)', () => {
    fc.assert(
      fc.property(scenario, ({ n, edges, policy, outcomes, picks }) => {
        const deps: Record<string, string[]> = {};
        for (let i = 0; i < n; i++) deps[`j${i}`] = edges.filter(([a, b]) => b === i && a < b).map(([a]) => `j${a}`);
        const g = graph(deps);
        const statuses = new Map<string, JobStatus>(g.keys.map((k) => [k, 'pending']));
        const ran = new Set<string>();
        const apply = (decision: { ready: string[]; cancel: string[] }, expected: { ready: string[]; cancel: string[] }) => {
          for (const k of decision.ready) expect(expected.ready).toContain(k);
          for (const k of decision.cancel) expect(expected.cancel).toContain(k);
          for (const k of decision.ready) {
            const parents = g.parents.get(k)!.map((p) => statuses.get(p)!);
            expect(parents.every((s) => (policy === 'cancel' ? s === 'succeeded' : TERMINAL_STATUSES.has(s)))).toBe(true);
            statuses.set(k, 'queued');
          }
          for (const k of decision.cancel) statuses.set(k, 'canceled');
        };
        apply(evaluateDag(g, statuses, policy), { ready: g.roots.slice(), cancel: [] });
        for (let step = 0; ; step++) {
          const queued = g.keys.filter((k) => statuses.get(k) === 'queued');
          if (queued.length === 0) break;
          const key = queued[picks[step % picks.length] % queued.length];
          statuses.set(key, outcomes[step % outcomes.length]);
          ran.add(key);
          const decision = readyChildren(g, statuses, key, policy);
          apply(decision, evaluateDag(g, statuses, policy));
          // The service also reports each cancellation back; nothing new may come of it.
          for (const k of decision.cancel) expect(readyChildren(g, statuses, k, policy)).toEqual({ ready: [], cancel: [] });
        }
        expect([...statuses.values()].every((s) => TERMINAL_STATUSES.has(s))).toBe(true);
        expect(evaluateDag(g, statuses, policy)).toEqual({ ready: [], cancel: [] });
        for (const k of g.keys) {
          const parentsOk = g.parents.get(k)!.every((p) => ran.has(p) && statuses.get(p) === 'succeeded');
          expect(ran.has(k)).toBe(policy === 'continue' || parentsOk);
        }
      }),
      { numRuns: 300 },
    );
  });
});
