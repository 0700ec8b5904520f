import { JobStatus, OrchError, RunFailurePolicy, SubmitRunCommand } from '@orch/contracts';
import type { JobRow, RunEdgeRow } from '@orch/persistence';
import { applyComplete, applyFail } from './commands';
import { applySubmitRun, resolveDependants } from './runs';
import { ctx, fenceOf, jobRow, policy, T0, TENANT, unitOfWork } from './uow-fixtures';

const RUN = '0192f0a0-0000-7000-8000-00000000aaaa';
const item = (key: string, dependsOn: string[] = [], over: Record<string, unknown> = {}) => ({ key, project: 'p1', jobType: 'demo.echo', payload: { key }, dependsOn, ...over });
const command = (jobs: ReturnType<typeof item>[], over: Partial<SubmitRunCommand> = {}): SubmitRunCommand => ({
  jobs,
  idempotencyKey: 'r1',
  requestDigest: 'a'.repeat(64),
  scope: 'POST /api/v1/runs',
  ...over,
});

/** Rows of one stored run (`edges` as [parent, child] keys) in a unit of work whose run graph is preloaded. */
function storedRun(rows: Record<string, JobRow>, edges: [string, string][], failurePolicy: RunFailurePolicy = 'cancel', now: Date = T0) {
  for (const row of Object.values(rows)) row.runId = RUN;
  const uow = unitOfWork(Object.values(rows), now);
  const edgeRows: RunEdgeRow[] = edges.map(([p, c]) => ({ tenant: TENANT, runId: RUN, parentId: rows[p].id, childId: rows[c].id }));
  uow.runs.load(
    [{ id: RUN, tenant: TENANT, project: 'p1', failurePolicy, correlationId: 'c', idempotencyKey: 'r', jobCount: 0, jobKeys: [], replayOf: null, createdAt: T0 }],
    edgeRows,
  );
  return uow;
}

describe('submit-run', () => {
  it('creates the run, its edges and every job: roots queued, the others pending on their parents', () => {
    const uow = unitOfWork([]);
    const r = applySubmitRun(uow, ctx(), command([item('a'), item('b', ['a']), item('c', [], { runAt: new Date(T0.getTime() + 60_000).toISOString() })]));
    expect(r.jobs.map((j) => [j.key, j.status])).toEqual([
      ['a', 'queued'],
      ['b', 'pending'],
      ['c', 'pending'],
    ]);
    expect(uow.runs.newRuns).toHaveLength(1);
    expect(uow.runs.newRuns[0]).toMatchObject({ id: r.run.id, failurePolicy: 'cancel', jobCount: 3, jobKeys: r.jobs.map((j) => ({ key: j.key, jobId: j.id })) });
    expect(uow.runs.newEdges).toEqual([{ tenant: TENANT, runId: r.run.id, parentId: r.jobs[0].id, childId: r.jobs[1].id }]);
    const rows = [...uow.newJobs.values()];
    expect(rows.map((j) => [j.runId, j.statusReason, j.idempotencyKey])).toEqual([
      [r.run.id, 'submitted', 'r1#a'],
      [r.run.id, 'waiting_parents', 'r1#b'],
      [r.run.id, 'waiting_run_at', 'r1#c'],
    ]);
    expect(uow.events.map((e) => e.eventType)).toEqual(['job.created', 'job.queued', 'job.created', 'job.created']);
    expect(uow.idempotencyNew[0].result).toEqual({ jobIds: r.jobs.map((j) => j.id), keys: ['a', 'b', 'c'], run: r.run });
  });

  it('refuses an invalid graph before adding anything to the unit of work', () => {
    const uow = unitOfWork([]);
    expect(() => applySubmitRun(uow, ctx(), command([item('a', ['b']), item('b', ['a'])]))).toThrow(OrchError);
    expect([uow.newJobs.size, uow.events.length, uow.runs.newRuns.length, uow.idempotencyNew.length]).toEqual([0, 0, 0, 0]);
  });
});

describe('dependency resolution', () => {
  it('queues a child when its last parent succeeds, and leaves one whose runAt is ahead pending until promoted', () => {
    const rows = {
      a: jobRow(JobStatus.running),
      b: jobRow(JobStatus.succeeded),
      c: jobRow(JobStatus.pending, { statusReason: 'waiting_parents' }),
      d: jobRow(JobStatus.pending, { statusReason: 'waiting_parents', runAt: new Date(T0.getTime() + 5_000) }),
    };
    const uow = storedRun(rows, [
      ['a', 'c'],
      ['b', 'c'],
      ['a', 'd'],
    ]);
    applyComplete(uow, ctx(), { ...fenceOf(rows.a), result: null });
    expect([rows.c.status, rows.c.statusReason]).toEqual(['queued', 'parents_resolved']);
    expect([rows.d.status, rows.d.statusReason]).toEqual(['pending', 'waiting_run_at']);
    expect(uow.events.map((e) => [e.jobId, e.eventType])).toEqual([
      [rows.a.id, 'job.succeeded'],
      [rows.c.id, 'job.queued'],
    ]);
  });

  it('cancels pending descendants after a final failure under cancel, and treats it as resolved under continue', () => {
    const make = () => ({
      a: jobRow(JobStatus.running, { maxAttempts: 1 }),
      b: jobRow(JobStatus.succeeded),
      c: jobRow(JobStatus.pending, { statusReason: 'waiting_parents' }),
      d: jobRow(JobStatus.pending, { statusReason: 'waiting_parents' }),
    });
    const edges: [string, string][] = [
      ['a', 'c'],
      ['b', 'c'],
      ['c', 'd'],
    ];
    const cancel = make();
    const uow = storedRun(cancel, edges, 'cancel');
    applyFail(uow, ctx(), { ...fenceOf(cancel.a), error: { code: 'x', message: 'y', retryable: false } }, policy);
    expect([cancel.a.status, cancel.c.status, cancel.d.status]).toEqual(['failed', 'canceled', 'canceled']);
    expect(uow.events.filter((e) => e.eventType === 'job.canceled').map((e) => e.data)).toEqual([
      { reason: 'parent_failed', parentId: cancel.a.id, parentStatus: 'failed' },
      { reason: 'parent_failed', parentId: cancel.a.id, parentStatus: 'failed' },
    ]);

    const cont = make();
    const uow2 = storedRun(cont, edges, 'continue');
    applyFail(uow2, ctx(), { ...fenceOf(cont.a), error: { code: 'x', message: 'y', retryable: false } }, policy);
    expect([cont.a.status, cont.c.status, cont.d.status]).toEqual(['failed', 'queued', 'pending']);
  });

  it('does nothing for a retry, and refuses to guess when the run graph was not preloaded', () => {
    const rows = { a: jobRow(JobStatus.running), c: jobRow(JobStatus.pending, { statusReason: 'waiting_parents' }) };
    const uow = storedRun(rows, [['a', 'c']]);
    applyFail(uow, ctx(), { ...fenceOf(rows.a), error: { code: 'x', message: 'y', retryable: true } }, policy);
    expect([rows.a.status, rows.c.status]).toEqual(['queued', 'pending']);

    const lone = jobRow(JobStatus.succeeded, { runId: RUN });
    expect(() => resolveDependants(unitOfWork([lone]), ctx(), lone)).toThrow(/was not preloaded/);
  });
});
