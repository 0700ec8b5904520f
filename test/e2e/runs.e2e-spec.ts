import { RunView, SubmitRunResult } from '@orch/contracts';
import { E2eCluster, waitFor } from '@orch/testing';

const TENANT = 'e2edag';

describe('DAG runs through the real services with the demo worker', () => {
  const cluster = new E2eCluster({ SCHEDULER_POLL_MS: '250', BACKOFF_BASE_MS: '100', BACKOFF_MAX_MS: '400' });
  let token: string;

  beforeAll(async () => {
    await cluster.start();
    token = await cluster.token({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'], sub: 'dag' });
    await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '8' });
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  async function submitRun(body: unknown, key: string): Promise<SubmitRunResult> {
    const res = await cluster.api('/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(body) }, token);
    expect(res.status).toBe(201);
    return (await res.json()) as SubmitRunResult;
  }

  async function getRun(id: string): Promise<RunView> {
    const res = await cluster.api(`/api/v1/runs/${id}`, {}, token);
    expect(res.status).toBe(200);
    return (await res.json()) as RunView;
  }

  /** The run's ledger events in chain order: [jobKey, eventType, seq]. */
  async function runEvents(run: SubmitRunResult): Promise<{ key: string; type: string; seq: number; data: Record<string, unknown> }[]> {
    const keyOf = new Map(run.jobs.map((j) => [j.id, j.key]));
    const { rows } = await cluster.pg.query(`SELECT job_id, event_type, seq, data FROM ledger.job_events WHERE tenant = $1 AND job_id = ANY($2::uuid[]) ORDER BY seq`, [
      TENANT,
      run.jobs.map((j) => j.id),
    ]);
    return rows.map((r) => ({ key: keyOf.get(r.job_id)!, type: r.event_type as string, seq: Number(r.seq), data: r.data }));
  }

  it('runs a diamond: each child is queued, leased and run only after all its parents succeeded', async () => {
    // a → (b, c) → d; b sleeps longer than c, so d waits for the slower parent.
    const run = await submitRun(
      {
        jobs: [
          { key: 'a', project: 'p1', jobType: 'demo.echo', payload: { step: 'a', sleepMs: 300 } },
          { key: 'b', project: 'p1', jobType: 'demo.echo', payload: { step: 'b', sleepMs: 800 }, dependsOn: ['a'] },
          { key: 'c', project: 'p1', jobType: 'demo.echo', payload: { step: 'c', sleepMs: 100 }, dependsOn: ['a'] },
          { key: 'd', project: 'p1', jobType: 'demo.echo', payload: { step: 'd', sleepMs: 50 }, dependsOn: ['b', 'c'] },
        ],
      },
      'diamond',
    );
    const done = await waitFor(
      async () => {
        const view = await getRun(run.run.id);
        return view.status === 'succeeded' || view.status === 'failed' || view.status === 'canceled' ? view : null;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the diamond run to finish' },
    );
    expect(done.status).toBe('succeeded');
    expect(done.jobs.map((j) => [j.key, j.status])).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);

    const events = await runEvents(run);
    const seqOf = (key: string, type: string) => events.filter((e) => e.key === key && e.type === type).map((e) => e.seq);
    const parents: Record<string, string[]> = { b: ['a'], c: ['a'], d: ['b', 'c'] };
    for (const [child, ps] of Object.entries(parents)) {
      const [queued] = seqOf(child, 'job.queued');
      const [leased] = seqOf(child, 'job.leased');
      const [running] = seqOf(child, 'job.running');
      for (const p of ps) {
        const [succeeded] = seqOf(p, 'job.succeeded');
        expect({ child, parent: p, queuedAfterParent: queued > succeeded, leasedAfterParent: leased > succeeded, runningAfterParent: running > succeeded }).toEqual({
          child,
          parent: p,
          queuedAfterParent: true,
          leasedAfterParent: true,
          runningAfterParent: true,
        });
      }
      expect(events.find((e) => e.key === child && e.type === 'job.queued')!.data).toMatchObject({ reason: 'parents_resolved' });
    }
    // d was released by its slower parent b, in the transaction of b's success.
    const queuedD = events.find((e) => e.key === 'd' && e.type === 'job.queued')!;
    expect(queuedD.data['parentId']).toBe(run.jobs.find((j) => j.key === 'b')!.id);
    expect(queuedD.seq).toBe(seqOf('b', 'job.succeeded')[0] + 1);
    expect(done.criticalPath.keys).toEqual(['a', 'b', 'd']);
  }, 120_000);

  it('with policy cancel, a parent that fails for good cancels its dependants, which never run', async () => {
    const run = await submitRun(
      {
        failurePolicy: 'cancel',
        jobs: [
          { key: 'root', project: 'p1', jobType: 'demo.fail', payload: {}, maxAttempts: 1 },
          { key: 'child', project: 'p1', jobType: 'demo.echo', payload: {}, dependsOn: ['root'] },
          { key: 'grandchild', project: 'p1', jobType: 'demo.echo', payload: {}, dependsOn: ['child'] },
          { key: 'other', project: 'p1', jobType: 'demo.echo', payload: {} },
        ],
      },
      'cancel-policy',
    );
    const done = await waitFor(
      async () => {
        const view = await getRun(run.run.id);
        return view.summary.finished === view.summary.total ? view : null;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the failing run to finish' },
    );
    expect(done.status).toBe('failed');
    expect(done.jobs.map((j) => [j.key, j.status, j.statusReason])).toEqual([
      ['root', 'failed', expect.any(String)],
      ['child', 'canceled', 'parent_failed'],
      ['grandchild', 'canceled', 'parent_failed'],
      ['other', 'succeeded', 'completed'],
    ]);
    const events = await runEvents(run);
    expect(events.filter((e) => e.key === 'child' || e.key === 'grandchild').map((e) => [e.key, e.type])).toEqual([
      ['child', 'job.created'],
      ['grandchild', 'job.created'],
      ['child', 'job.canceled'],
      ['grandchild', 'job.canceled'],
    ]);
  }, 120_000);
  it('with policy continue, a child runs after its parent failed for good; the run ends failed', async () => {
    const run = await submitRun(
      {
        failurePolicy: 'continue',
        jobs: [
          { key: 'root', project: 'p1', jobType: 'demo.fail', payload: {}, maxAttempts: 1 },
          { key: 'cleanup', project: 'p1', jobType: 'demo.echo', payload: { cleanup: true }, dependsOn: ['root'] },
        ],
      },
      'continue-policy',
    );
    const done = await waitFor(
      async () => {
        const view = await getRun(run.run.id);
        return view.summary.finished === view.summary.total ? view : null;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the continue run to finish' },
    );
    expect(done.jobs.map((j) => [j.key, j.status])).toEqual([
      ['root', 'failed'],
      ['cleanup', 'succeeded'],
    ]);
    expect(done.status).toBe('failed');
    const events = await runEvents(run);
    const failed = events.find((e) => e.key === 'root' && e.type === 'job.failed')!;
    const queued = events.find((e) => e.key === 'cleanup' && e.type === 'job.queued')!;
    expect(queued.data).toMatchObject({ reason: 'parents_resolved', parentId: run.jobs[0].id });
    expect(queued.seq).toBeGreaterThan(failed.seq);
  }, 120_000);
});
