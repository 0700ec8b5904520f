import { LeaseCommandResult, OrchError, RunJobRequest, SubmitRunCommand, SubmitRunRequest, SubmitRunResult } from '@orch/contracts';
import { digestOf, verifyChain } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createLedgerDataSource, LedgerReader, openParents, RunStore } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const TENANT = 'dag';
const RUN_SCOPE = 'POST /api/v1/runs';

const job = (key: string, dependsOn: string[] = [], extra: Partial<RunJobRequest> = {}): RunJobRequest =>
  ({ key, project: 'p1', jobType: 'demo.echo', payload: { key }, dependsOn, ...extra }) as RunJobRequest;

describe('ledger-writer submit-run and dependency resolution (real process, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let ledger: ServiceProcess;
  let client: OrchClient;
  const reader = new LedgerReader();
  const runs = new RunStore();

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    ledger = await startService('ledger-writer', { DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: ns.names.namespace, OUTBOX_POLL_MS: '100' });
    client = new OrchClient(ns.nc, ns.names);
    ds = createLedgerDataSource({ url: db.url, applicationName: 'test' });
    await ds.initialize();
  }, 120_000);

  afterAll(async () => {
    await ledger?.stop();
    await ds?.destroy();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  function command<T>(verb: string, data: object, tenant = TENANT): Promise<T> {
    return client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project: '*', correlationId: randomUUID(), data });
  }

  function submitRun(body: SubmitRunRequest, key: string = randomUUID(), tenant = TENANT): Promise<SubmitRunResult> {
    const data: SubmitRunCommand = { ...body, idempotencyKey: key, requestDigest: digestOf(body), scope: RUN_SCOPE };
    return command<SubmitRunResult>('submit-run', data, tenant);
  }

  /** Admits, leases and starts a queued job; returns its fence. */
  async function start(jobId: string): Promise<{ jobId: string; leaseId: string; fencingToken: number }> {
    await command('admit', { jobs: [{ jobId, attempt: 1 }] });
    const leased = await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 60_000, jobs: [{ jobId, attempt: 1 }] });
    const r = leased.results[0];
    if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
    const fence = { jobId, leaseId: r.allocation.leaseId, fencingToken: r.allocation.fencingToken };
    await command('start', fence);
    return fence;
  }

  async function succeed(jobId: string): Promise<void> {
    await command('complete', { ...(await start(jobId)), result: { ok: true } });
  }

  async function failForGood(jobId: string): Promise<void> {
    await command('fail', { ...(await start(jobId)), error: { code: 'boom', message: 'no', retryable: false } });
  }

  async function statuses(result: SubmitRunResult): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const j of result.jobs) out[j.key] = (await reader.getJob(ds, TENANT, j.id))!.status;
    return out;
  }

  const idOf = (r: SubmitRunResult, key: string) => r.jobs.find((j) => j.key === key)!.id;

  async function counts(): Promise<Record<string, number>> {
    const [row] = await ds.query(`SELECT
      (SELECT count(*)::int FROM ledger.jobs) AS jobs,
      (SELECT count(*)::int FROM ledger.job_events) AS events,
      (SELECT count(*)::int FROM ledger.runs) AS runs,
      (SELECT count(*)::int FROM ledger.run_edges) AS edges,
      (SELECT count(*)::int FROM ledger.idempotency_keys) AS keys`);
    return { jobs: row.jobs, events: row.events, runs: row.runs, edges: row.edges, keys: row.keys };
  }

  it('creates a diamond run in one go: the root queued, the others pending on their parents, edges stored; a replay returns the same run', async () => {
    const body: SubmitRunRequest = {
      jobs: [job('a'), job('b', ['a']), job('c'), job('d', ['b', 'c'])],
      edges: [{ from: 'a', to: 'c' }],
    };
    const r = await submitRun(body, 'diamond-1');
    expect(r.created).toBe(true);
    expect(r.run).toMatchObject({ tenant: TENANT, project: 'p1', failurePolicy: 'cancel', jobCount: 4, idempotencyKey: 'diamond-1' });
    expect(r.jobs.map((j) => [j.key, j.status])).toEqual([
      ['a', 'queued'],
      ['b', 'pending'],
      ['c', 'pending'],
      ['d', 'pending'],
    ]);
    const rowB = await reader.getJob(ds, TENANT, idOf(r, 'b'));
    expect(rowB).toMatchObject({ runId: r.run.id, statusReason: 'waiting_parents', idempotencyKey: 'diamond-1#b' });
    const edges = await runs.runEdges(ds, TENANT, r.run.id);
    const named = edges.map((e) => `${r.jobs.find((j) => j.id === e.parentId)!.key}>${r.jobs.find((j) => j.id === e.childId)!.key}`).sort();
    expect(named).toEqual(['a>b', 'a>c', 'b>d', 'c>d']);
    expect((await reader.listJobEvents(ds, TENANT, idOf(r, 'a'))).map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
    const createdD = await reader.listJobEvents(ds, TENANT, idOf(r, 'd'));
    expect(createdD.map((e) => e.eventType)).toEqual(['job.created']);
    expect(createdD[0].data).toMatchObject({ runId: r.run.id, key: 'd', dependsOn: [idOf(r, 'b'), idOf(r, 'c')] });
    expect(await openParents(ds, TENANT, idOf(r, 'd'))).toEqual([
      { id: idOf(r, 'b'), status: 'pending' },
      { id: idOf(r, 'c'), status: 'pending' },
    ]);
    expect(await openParents(ds, 'someone-else', idOf(r, 'd'))).toEqual([]);

    const before = await counts();
    const again = await submitRun(body, 'diamond-1');
    expect(again).toEqual({ ...r, created: false });
    expect(await counts()).toEqual(before);
    const conflict = await submitRun({ ...body, failurePolicy: 'continue' }, 'diamond-1').catch((e: unknown) => e);
    expect(conflict).toMatchObject({ code: 'idempotency_conflict', status: 409 });
  });

  it('refuses a cycle, an unknown parent and a duplicate key with 400 naming them, and writes nothing', async () => {
    const before = await counts();
    const cycle = await submitRun({ jobs: [job('x', ['z']), job('y', ['x']), job('z', ['y']), job('free')] }).catch((e: unknown) => e);
    expect(cycle).toBeInstanceOf(OrchError);
    expect(cycle).toMatchObject({ code: 'validation_failed', status: 400 });
    expect((cycle as OrchError).message).toContain('cycle x → y → z → x');
    expect((cycle as OrchError).errors).toEqual([{ path: 'jobs', message: 'cycle x → y → z → x (jobs in the cycle: x, y, z)' }]);

    const unknown = (await submitRun({ jobs: [job('a'), job('b', ['ghost']), job('a')], edges: [{ from: 'a', to: 'nowhere' }] }).catch((e: unknown) => e)) as OrchError;
    expect(unknown).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(unknown.errors).toEqual([
      { path: 'jobs.2.key', message: 'key "a" is used by 2 jobs (positions 0, 2)' },
      { path: 'jobs.1.dependsOn', message: 'job "b" depends on "ghost", which is not a job of this run' },
      { path: 'edges.0.to', message: 'edge a → nowhere: no job has key "nowhere"' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('queues a child only once every parent succeeded, in the transaction of the last parent success', async () => {
    const r = await submitRun({ jobs: [job('a'), job('b', ['a']), job('c', ['a']), job('d', ['b', 'c'])] });
    await succeed(idOf(r, 'a'));
    expect(await statuses(r)).toEqual({ a: 'succeeded', b: 'queued', c: 'queued', d: 'pending' });
    const queuedB = (await reader.listJobEvents(ds, TENANT, idOf(r, 'b'))).find((e) => e.eventType === 'job.queued')!;
    expect(queuedB.data).toEqual({ reason: 'parents_resolved', parentId: idOf(r, 'a') });
    const succeededA = (await reader.listJobEvents(ds, TENANT, idOf(r, 'a'))).find((e) => e.eventType === 'job.succeeded')!;
    expect(queuedB.seq).toBeGreaterThan(succeededA.seq);
    expect(queuedB.occurredAt).toBe(succeededA.occurredAt);

    await succeed(idOf(r, 'b'));
    expect((await statuses(r)).d).toBe('pending');
    expect(await openParents(ds, TENANT, idOf(r, 'd'))).toEqual([{ id: idOf(r, 'c'), status: 'queued' }]);
    await succeed(idOf(r, 'c'));
    const rowD = await reader.getJob(ds, TENANT, idOf(r, 'd'));
    expect(rowD).toMatchObject({ status: 'queued', statusReason: 'parents_resolved' });
    const eventsD = await reader.listJobEvents(ds, TENANT, idOf(r, 'd'));
    expect(eventsD.map((e) => [e.eventType, e.data['parentId'] ?? null])).toEqual([
      ['job.created', null],
      ['job.queued', idOf(r, 'c')],
    ]);
    await succeed(idOf(r, 'd'));
    expect(Object.values(await statuses(r))).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const chain = await reader.listTenantEvents(ds, TENANT, 0, 10_000);
    expect(verifyChain(chain)).toMatchObject({ ok: true });
  });

  it('with policy cancel, a parent that fails for good cancels every pending descendant (parent_failed) and nothing else', async () => {
    const r = await submitRun({ jobs: [job('a'), job('b', ['a']), job('c', ['b']), job('d', ['a', 'e']), job('e'), job('f', ['e'])] });
    await failForGood(idOf(r, 'a'));
    expect(await statuses(r)).toEqual({ a: 'failed', b: 'canceled', c: 'canceled', d: 'canceled', e: 'queued', f: 'pending' });
    for (const key of ['b', 'c', 'd']) {
      const row = await reader.getJob(ds, TENANT, idOf(r, key));
      expect(row).toMatchObject({ statusReason: 'parent_failed' });
      expect(row!.finishedAt).not.toBeNull();
      const last = (await reader.listJobEvents(ds, TENANT, idOf(r, key))).at(-1)!;
      expect(last).toMatchObject({ eventType: 'job.canceled', data: { reason: 'parent_failed', parentId: idOf(r, 'a'), parentStatus: 'failed' } });
    }
    await succeed(idOf(r, 'e'));
    expect(await statuses(r)).toMatchObject({ d: 'canceled', f: 'queued' });
  });

  it('an operator cancel of a pending job cancels its descendants under policy cancel; promote leaves waiting jobs alone', async () => {
    const r = await submitRun({ jobs: [job('a'), job('b', ['a']), job('c', ['b'])] });
    await command('promote', { jobIds: [idOf(r, 'b'), idOf(r, 'c')] });
    expect(await statuses(r)).toEqual({ a: 'queued', b: 'pending', c: 'pending' });
    await command('cancel', { jobId: idOf(r, 'b'), operator: { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'not needed' } });
    expect(await statuses(r)).toEqual({ a: 'queued', b: 'canceled', c: 'canceled' });
    expect(await reader.getJob(ds, TENANT, idOf(r, 'c'))).toMatchObject({ statusReason: 'parent_failed' });
  });

  it('with policy continue, a failed parent counts as resolved: the child runs once all its parents ended', async () => {
    const r = await submitRun({ failurePolicy: 'continue', jobs: [job('a'), job('b'), job('c', ['a', 'b']), job('d', ['c'])] });
    expect(r.run.failurePolicy).toBe('continue');
    await failForGood(idOf(r, 'a'));
    expect(await statuses(r)).toEqual({ a: 'failed', b: 'queued', c: 'pending', d: 'pending' });
    expect(await openParents(ds, TENANT, idOf(r, 'c'))).toEqual([{ id: idOf(r, 'b'), status: 'queued' }]);
    await succeed(idOf(r, 'b'));
    expect(await statuses(r)).toEqual({ a: 'failed', b: 'succeeded', c: 'queued', d: 'pending' });
    await failForGood(idOf(r, 'c'));
    expect((await statuses(r)).d).toBe('queued');
  });

  it('queues a child exactly once when its parents succeed concurrently (in one or several group commits)', async () => {
    const parents = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const r = await submitRun({ jobs: [...parents.map((p) => job(p)), job('child', parents), job('grandchild', ['child'])] });
    const fences = await Promise.all(parents.map((p) => start(idOf(r, p))));
    await Promise.all(fences.map((f) => command('complete', { ...f, result: null })));
    expect(await statuses(r)).toMatchObject({ child: 'queued', grandchild: 'pending' });
    const childEvents = await reader.listJobEvents(ds, TENANT, idOf(r, 'child'));
    expect(childEvents.map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
    const lastParent = Math.max(...(await Promise.all(parents.map(async (p) => (await reader.listJobEvents(ds, TENANT, idOf(r, p))).at(-1)!.seq))));
    expect(childEvents[1].seq).toBeGreaterThan(lastParent);
  });

  it("honours a run job's own runAt once its parents resolved, and the scheduler's due scan never offers a job waiting for parents", async () => {
    const hourAhead = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    const r = await submitRun({ jobs: [job('a'), job('late', ['a'], { runAt: hourAhead }), job('early', ['a'], { runAt: past })] });
    const dueIds = async (at: Date) => (await reader.findDuePending(ds, at, 1_000)).map((d) => d.id);
    const twoHours = new Date(Date.now() + 7_200_000);
    expect(await dueIds(twoHours)).not.toEqual(expect.arrayContaining([idOf(r, 'late')]));
    expect(await dueIds(twoHours)).not.toEqual(expect.arrayContaining([idOf(r, 'early')]));
    await succeed(idOf(r, 'a'));
    expect(await statuses(r)).toEqual({ a: 'succeeded', late: 'pending', early: 'queued' });
    expect(await reader.getJob(ds, TENANT, idOf(r, 'late'))).toMatchObject({ statusReason: 'waiting_run_at' });
    expect(await dueIds(new Date())).not.toContain(idOf(r, 'late'));
    expect(await dueIds(twoHours)).toContain(idOf(r, 'late'));
    await command('promote', { jobIds: [idOf(r, 'late')] });
    expect((await statuses(r)).late).toBe('pending');
  });

  it('keeps runs apart per tenant: the same key in another tenant is another run', async () => {
    const mine = await submitRun({ jobs: [job('a')] }, 'shared-key');
    const theirs = await submitRun({ jobs: [job('a')] }, 'shared-key', 'other');
    expect(theirs.created).toBe(true);
    expect(theirs.run.id).not.toBe(mine.run.id);
    expect(await runs.getRun(ds, 'other', mine.run.id)).toBeNull();
    expect(await runs.getRun(ds, TENANT, mine.run.id)).toMatchObject({ id: mine.run.id, tenant: TENANT });
  });

  it('cancels a whole run: queued and pending jobs at once (canceled_by_operator, not parent_failed), a running one by request; audited once; a repeat changes nothing', async () => {
    const operator = { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'wrong input feed', ticket: 'INC-9' };
    const run = await submitRun({ jobs: [job('a'), job('b', ['a']), job('c', ['b']), job('side')], failurePolicy: 'continue' });
    const fence = await start(idOf(run, 'a'));
    await succeed(idOf(run, 'side'));
    const res = await command<{ runId: string; canceled: string[]; cancelRequested: string[]; changed: boolean }>('cancel-run', { runId: run.run.id, operator });
    expect(res.changed).toBe(true);
    expect(res.canceled.sort()).toEqual([idOf(run, 'b'), idOf(run, 'c')].sort());
    expect(res.cancelRequested).toEqual([idOf(run, 'a')]);
    expect(await statuses(run)).toEqual({ a: 'running', b: 'canceled', c: 'canceled', side: 'succeeded' });
    for (const key of ['b', 'c']) expect((await reader.getJob(ds, TENANT, idOf(run, key)))!.statusReason).toBe('canceled_by_operator');
    // The running job's worker stops and reports: it ends canceled, and nothing downstream moves again.
    const eventsBefore = (await ds.query(`SELECT count(*)::int AS n FROM ledger.job_events WHERE tenant = $1`, [TENANT]))[0].n;
    await command('fail', { ...fence, error: { code: 'canceled', message: 'stopped', retryable: true } });
    expect(await statuses(run)).toEqual({ a: 'canceled', b: 'canceled', c: 'canceled', side: 'succeeded' });
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger.job_events WHERE tenant = $1`, [TENANT]))[0].n).toBe(eventsBefore + 1);
    const audit = await ds.query(`SELECT action, target_type, reason, ticket, before, after FROM ledger.audit_log WHERE tenant = $1 AND target_id = $2`, [TENANT, run.run.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'run.cancel', target_type: 'run', reason: operator.reason, ticket: operator.ticket, before: { jobs: { pending: 2, running: 1, succeeded: 1 } } });
    expect(audit[0].after.jobs).toEqual({ running: 1, canceled: 2, succeeded: 1 });

    const again = await command<{ changed: boolean; canceled: string[] }>('cancel-run', { runId: run.run.id, operator });
    expect(again).toMatchObject({ changed: false, canceled: [], cancelRequested: [] });
    const foreign = await command('cancel-run', { runId: run.run.id, operator }, 'dag-other').then(() => null, (e: unknown) => e);
    expect(foreign).toBeInstanceOf(OrchError);
    expect((foreign as OrchError).code).toBe('not_found');
  });
});
