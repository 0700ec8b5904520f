import { JOB_STATUSES, OrchError } from '@orch/contracts';
import { parseSummaryQuery, summarize } from './job-summary';

describe('job summary', () => {
  it('counts every status (zeros included), each job type and each pair', () => {
    const s = summarize([
      { status: 'queued', jobType: 'demo.echo', count: 2 },
      { status: 'failed', jobType: 'demo.echo', count: 1 },
      { status: 'queued', jobType: 'constructor', count: 4 },
    ]);
    expect(s.total).toBe(7);
    expect(Object.keys(s.byStatus).sort()).toEqual([...JOB_STATUSES].sort());
    expect(s.byStatus).toMatchObject({ queued: 6, failed: 1, succeeded: 0 });
    expect(s.byJobType).toEqual({ constructor: 4, 'demo.echo': 3 });
    expect(Object.keys(s.byJobType)).toEqual(['constructor', 'demo.echo']);
    expect(s.byJobTypeAndStatus).toEqual({ constructor: { queued: 4 }, 'demo.echo': { queued: 2, failed: 1 } });
  });

  it('is all zeros for a tenant without jobs', () => {
    const s = summarize([]);
    expect(s.total).toBe(0);
    expect(Object.values(s.byStatus).every((n) => n === 0)).toBe(true);
    expect(s.byJobType).toEqual({});
  });

  it('reads project and the creation range, and refuses anything else', () => {
    expect(parseSummaryQuery({ project: 'p1', created_after: '2026-11-23T00:00:00Z' })).toEqual({ project: 'p1', createdAfter: '2026-11-23T00:00:00Z' });
    try {
      parseSummaryQuery({ status: 'queued', created_before: 'soon' });
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as OrchError).errors?.map((e) => e.path).sort()).toEqual(['created_before', 'status']);
    }
  });
});
