import { OrchError, SubmitBatchCommand, SubmitJobCommand } from '@orch/contracts';
import { applySubmit, applySubmitBatch } from './submit';
import { ctx, T0, TENANT, unitOfWork } from './uow-fixtures';

const digest = (c: string) => c.repeat(64);
const item = (i: number, over: Record<string, unknown> = {}) => ({ tenant: 'ignored', project: 'p1', jobType: 'demo.echo', payload: { i }, ...over });
const batch = (n: number, key = 'b1', d = digest('a'), over: (i: number) => Record<string, unknown> = () => ({})): SubmitBatchCommand => ({
  jobs: Array.from({ length: n }, (_, i) => item(i, over(i))),
  idempotencyKey: key,
  requestDigest: d,
  scope: 'POST /api/v1/jobs:batch',
});

describe('submit-batch', () => {
  it("creates every job in the envelope's tenant, in item order, with one idempotency record for the batch", () => {
    const uow = unitOfWork([]);
    const r = applySubmitBatch(uow, ctx(), batch(3, 'b1', digest('a'), (i) => (i === 1 ? { runAt: new Date(T0.getTime() + 60_000).toISOString() } : {})));
    expect(r.created).toBe(true);
    expect(r.jobs.map((j) => [j.tenant, j.payload['i'], j.status, j.idempotencyKey])).toEqual([
      [TENANT, 0, 'queued', 'b1#0'],
      [TENANT, 1, 'pending', 'b1#1'],
      [TENANT, 2, 'queued', 'b1#2'],
    ]);
    expect(uow.newJobs.size).toBe(3);
    expect(uow.events.map((e) => e.eventType)).toEqual(['job.created', 'job.queued', 'job.created', 'job.created', 'job.queued']);
    expect(uow.idempotencyNew).toEqual([
      { tenant: TENANT, scope: 'POST /api/v1/jobs:batch', key: 'b1', requestDigest: digest('a'), jobId: null, result: { jobIds: r.jobs.map((j) => j.id) } },
    ]);
  });

  it('returns the same jobs for the same key and digest, and refuses another digest without adding anything', () => {
    const uow = unitOfWork([]);
    const first = applySubmitBatch(uow, ctx(), batch(2));
    const again = applySubmitBatch(uow, ctx(), batch(2));
    expect(again).toEqual({ created: false, jobs: first.jobs });
    let err: unknown;
    try {
      applySubmitBatch(uow, ctx(), batch(5, 'b1', digest('b')));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'idempotency_conflict' });
    expect(uow.newJobs.size).toBe(2);
  });
});

describe('submit', () => {
  it('still creates a single job and replays it by its key', () => {
    const uow = unitOfWork([]);
    const cmd = { ...item(0), idempotencyKey: 's1', requestDigest: digest('c'), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const first = applySubmit(uow, ctx(), cmd);
    expect(first).toMatchObject({ created: true, job: { tenant: TENANT, status: 'queued', idempotencyKey: 's1' } });
    expect(applySubmit(uow, ctx(), cmd)).toEqual({ created: false, job: first.job });
    expect(uow.idempotencyNew).toEqual([{ tenant: TENANT, scope: 'POST /api/v1/jobs', key: 's1', requestDigest: digest('c'), jobId: first.job.id, result: null }]);
  });
});
