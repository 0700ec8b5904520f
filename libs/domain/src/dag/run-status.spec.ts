import { JOB_STATUSES, JobStatus } from '@orch/contracts';
import fc from 'fast-check';
import { RunStatus, runStatus } from './run-status';

describe('runStatus', () => {
  it.each<[JobStatus[], RunStatus]>([
    [['pending', 'pending'], 'pending'],
    [['queued', 'pending'], 'running'],
    [['throttled'], 'running'],
    [['succeeded', 'pending'], 'running'],
    [['failed', 'leased'], 'running'],
    [['succeeded', 'succeeded'], 'succeeded'],
    [['succeeded', 'canceled'], 'canceled'],
    [['canceled', 'failed', 'succeeded'], 'failed'],
    [['timed_out', 'canceled'], 'failed'],
    [[], 'succeeded'],
  ])('aggregates %j as %s', (statuses, expected) => {
    expect(runStatus(statuses).status).toBe(expected);
  });

  it('counts every status, zeros included, and says when the run can no longer succeed', () => {
    const summary = runStatus(['succeeded', 'failed', 'running', 'running', 'pending']);
    expect(summary).toEqual({
      status: 'running',
      total: 5,
      finished: 2,
      failing: true,
      counts: { pending: 1, queued: 0, throttled: 0, leased: 0, running: 2, succeeded: 1, failed: 1, canceled: 0, timed_out: 0 },
    });
    expect(runStatus(['succeeded', 'canceled']).failing).toBe(false);
  });

  it('refuses a status it does not know', () => {
    expect(() => runStatus(['constructor' as JobStatus])).toThrow(RangeError);
  });

  it('is terminal exactly when every job is, and ignores the order of jobs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...JOB_STATUSES), { maxLength: 12 }), (statuses) => {
        const summary = runStatus(statuses);
        const done = ['succeeded', 'failed', 'canceled'].includes(summary.status);
        expect(done).toBe(statuses.every((s) => ['succeeded', 'failed', 'canceled', 'timed_out'].includes(s)));
        expect(runStatus([...statuses].reverse())).toEqual(summary);
        expect(Object.values(summary.counts).reduce((a, b) => a + b, 0)).toBe(statuses.length);
      }),
    );
  });
});
