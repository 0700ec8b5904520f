import { JobStatus, OrchError } from '@orch/contracts';
import type { JobRow, RunEdgeRow, RunRow } from '@orch/persistence';
import { buildRunCommand, estimateRunReplyBytes, RUN_SCOPE } from './run-command';
import { buildRunView, durationOf } from './run-view';
import { parseListRunsQuery } from './runs.params';

const T0 = new Date('2026-12-07T06:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1_000);
const uuid = (n: number) => `0192f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function row(n: number, status: JobStatus, startedS: number | null, finishedS: number | null): JobRow {
  return {
    id: uuid(n),
    tenant: 'acme',
    project: 'p1',
    jobType: 'demo.echo',
    status,
    statusReason: null,
    attempt: 1,
    maxAttempts: 3,
    createdAt: T0,
    startedAt: startedS === null ? null : at(startedS),
    finishedAt: finishedS === null ? null : at(finishedS),
  } as JobRow;
}

describe('buildRunView', () => {
  // a → b → d, a → c → d
  const keys = ['a', 'b', 'c', 'd'];
  const run: RunRow = {
    id: uuid(100),
    tenant: 'acme',
    project: 'p1',
    failurePolicy: 'cancel',
    correlationId: 'c',
    idempotencyKey: 'k',
    jobCount: 4,
    jobKeys: keys.map((key, i) => ({ key, jobId: uuid(i + 1) })),
    replayOf: null,
    createdAt: T0,
  };
  const edges: RunEdgeRow[] = [
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 4],
  ].map(([p, c]) => ({ tenant: 'acme', runId: run.id, parentId: uuid(p), childId: uuid(c) }));

  it('shows jobs in request order with parents, edges by key, status and a critical path by durations (running: elapsed)', () => {
    const jobs = [row(1, 'succeeded', 0, 10), row(2, 'succeeded', 10, 15), row(3, 'running', 10, null), row(4, 'pending', null, null)];
    const view = buildRunView(run, jobs.reverse(), edges, at(40));
    expect(view.jobs.map((j) => [j.key, j.status, j.dependsOn, j.durationMs])).toEqual([
      ['a', 'succeeded', [], 10_000],
      ['b', 'succeeded', ['a'], 5_000],
      ['c', 'running', ['a'], 30_000],
      ['d', 'pending', ['b', 'c'], null],
    ]);
    expect(view.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ]);
    expect(view).toMatchObject({ status: 'running', summary: { total: 4, finished: 2, failing: false } });
    // d (pending, 0 ms) adds nothing: the path ends where its total is first reached.
    expect(view.criticalPath).toEqual({ keys: ['a', 'c'], jobIds: [uuid(1), uuid(3)], totalMs: 40_000 });
  });

  it('aggregates a finished run: failed when a job failed, whatever was canceled after it', () => {
    const jobs = [row(1, 'failed', 0, 1), row(2, 'canceled', null, 1), row(3, 'canceled', null, 1), row(4, 'canceled', null, 1)];
    const view = buildRunView(run, jobs, edges, at(5));
    expect(view).toMatchObject({ status: 'failed', summary: { finished: 4, failing: true, counts: { failed: 1, canceled: 3 } } });
    expect(view.criticalPath.totalMs).toBe(1_000);
  });

  it('counts no duration before a job started', () => {
    expect(durationOf(row(1, 'queued', null, null), at(9))).toBeNull();
    expect(durationOf(row(1, 'canceled', null, 3), at(9))).toBeNull();
  });
});

describe('buildRunCommand', () => {
  const job = (key: string, dependsOn?: string[]) => ({ key, project: 'p1', jobType: 'demo.echo', payload: {}, ...(dependsOn ? { dependsOn } : {}) });

  it('fills the tenant, makes the default policy explicit and digests the canonical body', () => {
    const a = buildRunCommand({ jobs: [job('a'), job('b', ['a'])] }, 'acme', 'key-1', 1_000);
    const b = buildRunCommand({ jobs: [{ ...job('a'), tenant: 'acme' }, job('b', ['a'])], failurePolicy: 'cancel' }, 'acme', 'key-1', 1_000);
    expect(a).toMatchObject({ scope: RUN_SCOPE, idempotencyKey: 'key-1', failurePolicy: 'cancel', jobs: [{ tenant: 'acme' }, { tenant: 'acme', dependsOn: ['a'] }] });
    expect(a.requestDigest).toBe(b.requestDigest);
    expect(buildRunCommand({ jobs: [job('a'), job('b', ['a'])], failurePolicy: 'continue' }, 'acme', 'key-1', 1_000).requestDigest).not.toBe(a.requestDigest);
  });

  it('estimates the reply at or above the size of a real one', () => {
    const cmd = buildRunCommand({ jobs: [job('a'), job('bé', ['a'])] }, 'acme', 'key-1', 1_000);
    const real = {
      v: 1,
      ok: true,
      data: {
        created: true,
        run: { id: uuid(9), tenant: 'acme', project: 'p1', failurePolicy: 'cancel', correlationId: 'corr-1', idempotencyKey: 'key-1', createdAt: T0.toISOString(), jobCount: 2 },
        jobs: [
          { key: 'a', id: uuid(1), status: 'succeeded' },
          { key: 'bé', id: uuid(2), status: 'pending' },
        ],
      },
    };
    expect(estimateRunReplyBytes(cmd, 'corr-1')).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(real)));
  });

  it('refuses a graph problem, a foreign tenant and an oversized payload before anything is sent', () => {
    expect(() => buildRunCommand({ jobs: [job('a', ['a'])] }, 'acme', 'k', 1_000)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => buildRunCommand({ jobs: [{ ...job('a'), tenant: 'other' }] }, 'acme', 'k', 1_000)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => buildRunCommand({ jobs: [{ ...job('a'), payload: { s: 'x'.repeat(2_000) } }] }, 'acme', 'k', 1_000)).toThrow(OrchError);
  });
});

describe('parseListRunsQuery', () => {
  it('takes page_size and page_token and refuses anything else', () => {
    expect(parseListRunsQuery({})).toEqual({ pageSize: 50 });
    expect(parseListRunsQuery({ page_size: '5' })).toEqual({ pageSize: 5 });
    expect(() => parseListRunsQuery({ page_size: '0', status: 'x', page_token: 'nope' })).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'status' }), expect.objectContaining({ path: 'page_size' }), expect.objectContaining({ path: 'page_token' })] }),
    );
  });
});
