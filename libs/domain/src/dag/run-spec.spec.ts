import { OrchError } from '@orch/contracts';
import { runGraphOrThrow } from './run-spec';

function refusal(spec: Parameters<typeof runGraphOrThrow>[0]): OrchError {
  try {
    runGraphOrThrow(spec);
  } catch (err) {
    if (err instanceof OrchError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('runGraphOrThrow', () => {
  it('returns the validated graph of a good spec', () => {
    const g = runGraphOrThrow({ jobs: [{ key: 'b', dependsOn: ['a'] }, { key: 'a' }] });
    expect(g.order).toEqual(['a', 'b']);
  });

  it('is a 400 naming every offending key at the place it was declared', () => {
    const err = refusal({
      jobs: [{ key: 'a' }, { key: 'b', dependsOn: ['ghost'] }, { key: 's', dependsOn: ['s'] }, { key: 'p', dependsOn: ['q'] }, { key: 'q' }],
      edges: [
        { from: 'q', to: 'p' },
        { from: 'p', to: 'q' },
        { from: 'phantom', to: 'a' },
      ],
    });
    expect(err).toMatchObject({ code: 'validation_failed', status: 400, retryable: false });
    expect(err.errors).toEqual([
      { path: 'jobs.1.dependsOn', message: 'job "b" depends on "ghost", which is not a job of this run' },
      { path: 'edges.2.from', message: 'job "a" depends on "phantom", which is not a job of this run' },
      { path: 'jobs.2.dependsOn', message: 'job "s" depends on itself' },
      { path: 'jobs', message: 'cycle p → q → p (jobs in the cycle: p, q)' },
    ]);
    expect(err.message).toBe(
      'the run\'s dependency graph is not valid: job "b" depends on "ghost", which is not a job of this run; job "a" depends on "phantom", which is not a job of this run; job "s" depends on itself; and 1 more',
    );
  });

  it('names duplicate keys at their later positions, and the size limit alone', () => {
    expect(refusal({ jobs: [{ key: 'a' }, { key: 'a' }, { key: 'a' }] }).errors).toEqual([
      { path: 'jobs.1.key', message: 'key "a" is used by 3 jobs (positions 0, 1, 2)' },
      { path: 'jobs.2.key', message: 'key "a" is used by 3 jobs (positions 0, 1, 2)' },
    ]);
    const big = refusal({ jobs: Array.from({ length: 1_001 }, (_, i) => ({ key: `j${i}` })) });
    expect(big.errors).toEqual([{ path: 'jobs', message: 'a run holds at most 1000 jobs, got 1001' }]);
  });
});
