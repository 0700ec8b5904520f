import { JobView, LeaseCommandResult, RunView, SubmitRunResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { randomUUID } from 'node:crypto';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, operatorAuth, problemPaths, send } from '../test-support/control-plane';

const TENANT = 'acme';
const job = (key: string, dependsOn?: string[], extra: Record<string, unknown> = {}) => ({
  key,
  project: 'p1',
  jobType: 'demo.run',
  payload: { key },
  ...(dependsOn ? { dependsOn } : {}),
  ...extra,
});

describe('/api/v1/runs (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let auth: Record<string, string>;
  let client: OrchClient;
  const post = (body: unknown, headers: Record<string, string> = {}) => send<SubmitRunResult>(stack, 'POST', '/api/v1/runs', { ...auth, ...headers }, body);
  const getRun = (id: string, tenant = TENANT) => stack.get<RunView>(`/api/v1/runs/${id}`, tenant);

  /** Row counts of every table a run submit writes. */
  async function counts(): Promise<Record<string, number>> {
    const { rows } = await stack.pg.query(`SELECT
      (SELECT count(*)::int FROM ledger.jobs) AS jobs,
      (SELECT count(*)::int FROM ledger.job_events) AS events,
      (SELECT count(*)::int FROM ledger.runs) AS runs,
      (SELECT count(*)::int FROM ledger.run_edges) AS edges,
      (SELECT count(*)::int FROM ledger.idempotency_keys) AS keys`);
    return rows[0];
  }

  /** Runs a queued job to success through the ledger-writer's own commands, as the lease-broker would. */
  async function succeed(jobId: string): Promise<void> {
    const command = <T>(verb: string, data: object) =>
      client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant: TENANT, project: '*', correlationId: randomUUID(), data });
    await command('admit', { jobs: [{ jobId, attempt: 1 }] });
    const leased = await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 60_000, jobs: [{ jobId, attempt: 1 }] });
    const r = leased.results[0];
    if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
    const fence = { jobId, leaseId: r.allocation.leaseId, fencingToken: r.allocation.fencingToken };
    await command('start', fence);
    await command('complete', { ...fence, result: { done: true } });
  }

  beforeAll(async () => {
    await stack.start();
    auth = await operatorAuth(stack, TENANT);
    client = new OrchClient(stack.ns.nc, stack.ns.names);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('creates a diamond run (201, Location) and shows its graph, states, aggregate status and critical path as it runs', async () => {
    const res = await post({ jobs: [job('a'), job('b', ['a']), job('c', ['a']), job('d')], edges: [{ from: 'b', to: 'd' }, { from: 'c', to: 'd' }] }, { 'Idempotency-Key': 'run-diamond' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${res.body.run.id}`);
    expect(res.headers.get('idempotency-key')).toBe('run-diamond');
    expect(res.body.jobs.map((j) => [j.key, j.status])).toEqual([
      ['a', 'queued'],
      ['b', 'pending'],
      ['c', 'pending'],
      ['d', 'pending'],
    ]);
    const id = (key: string) => res.body.jobs.find((j) => j.key === key)!.id;

    const fresh = (await getRun(res.body.run.id)).body;
    expect(fresh).toMatchObject({ id: res.body.run.id, tenant: TENANT, failurePolicy: 'cancel', status: 'running', jobCount: 4, summary: { total: 4, finished: 0 } });
    expect(fresh.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ]);
    expect(fresh.jobs.map((j) => [j.key, j.status, j.statusReason, j.dependsOn])).toEqual([
      ['a', 'queued', 'submitted', []],
      ['b', 'pending', 'waiting_parents', ['a']],
      ['c', 'pending', 'waiting_parents', ['a']],
      ['d', 'pending', 'waiting_parents', ['b', 'c']],
    ]);
    const jobView = (await stack.get<JobView>(`/api/v1/jobs/${id('d')}`, TENANT)).body;
    expect(jobView).toMatchObject({ runId: res.body.run.id, status: 'pending', idempotencyKey: 'run-diamond#d' });

    await succeed(id('a'));
    const half = (await getRun(res.body.run.id)).body;
    expect(half.jobs.map((j) => j.status)).toEqual(['succeeded', 'queued', 'queued', 'pending']);
    await succeed(id('b'));
    expect((await getRun(res.body.run.id)).body.jobs[3].status).toBe('pending');
    await succeed(id('c'));
    await succeed(id('d'));
    const done = (await getRun(res.body.run.id)).body;
    expect(done).toMatchObject({ status: 'succeeded', summary: { total: 4, finished: 4, failing: false, counts: { succeeded: 4, pending: 0 } } });
    const path = done.criticalPath;
    expect(path.keys[0]).toBe('a');
    // A chain of the graph: each key a parent of the next.
    path.keys.slice(1).forEach((k, i) => expect(done.edges).toContainEqual({ from: path.keys[i], to: k }));
    expect(path.jobIds).toEqual(path.keys.map(id));
    const durations = new Map(done.jobs.map((j) => [j.key, j.durationMs!]));
    expect(path.totalMs).toBe(path.keys.reduce((s, k) => s + durations.get(k)!, 0));
    expect(path.totalMs).toBe(durations.get('a')! + Math.max(durations.get('b')!, durations.get('c')!) + durations.get('d')!);
  });

  it('answers a replay 200 with Idempotent-Replayed and the same run; the key with another body is 409', async () => {
    const body = { jobs: [job('x'), job('y', ['x'])], failurePolicy: 'continue' };
    const first = await post(body, { 'Idempotency-Key': 'run-replay' });
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await post({ ...body, jobs: [{ ...job('x'), tenant: TENANT }, job('y', ['x'])] }, { 'Idempotency-Key': 'run-replay' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ ...first.body, created: false });
    expectProblem(await post({ ...body, failurePolicy: 'cancel' }, { 'Idempotency-Key': 'run-replay' }), 409, 'idempotency_conflict');
    expect(await counts()).toEqual(before);
  });

  it('refuses cycles, unknown parents and duplicate keys with 400 problem+json naming them, writing nothing', async () => {
    const before = await counts();
    const cycle = await post({ jobs: [job('p', ['r']), job('q', ['p']), job('r', ['q'])] });
    const problem = expectProblem(cycle, 400, 'validation_failed');
    expect(problem.detail).toContain('cycle p → q → r → p');
    expect(problem.errors).toEqual([{ path: 'jobs', message: 'cycle p → q → r → p (jobs in the cycle: p, q, r)' }]);

    const unknown = await post({ jobs: [job('a'), job('b', ['ghost']), job('a')], edges: [{ from: 'phantom', to: 'b' }] });
    expectProblem(unknown, 400, 'validation_failed');
    expect(problemPaths(unknown)).toEqual(['jobs.2.key', 'jobs.1.dependsOn', 'edges.0.from']);
    const messages = (unknown.body as unknown as { errors: { message: string }[] }).errors.map((e) => e.message);
    expect(messages[1]).toBe('job "b" depends on "ghost", which is not a job of this run');
    expect(messages[2]).toBe('job "b" depends on "phantom", which is not a job of this run');

    const bad = await post({ jobs: [{ ...job('a'), jobType: 'bad type!' }, { ...job('b'), key: '' }], failurePolicy: 'maybe' });
    expectProblem(bad, 400, 'validation_failed');
    expect(problemPaths(bad).sort()).toEqual(['failurePolicy', 'jobs.0.jobType', 'jobs.1.key']);
    expect(await counts()).toEqual(before);
  });

  it('limits a run to 1,000 jobs with a clear error', async () => {
    const before = await counts();
    const big = await post({ jobs: Array.from({ length: 1_001 }, (_, i) => job(`j${i}`)) });
    const problem = expectProblem(big, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'jobs', message: 'a run holds at most 1000 jobs' })]);
    expect(await counts()).toEqual(before);
  });

  it("answers another tenant's run, an unknown and a malformed id 404 alike", async () => {
    const mine = await post({ jobs: [job('only')] });
    expect(mine.status).toBe(201);
    expectProblem(await getRun(mine.body.run.id, 'other'), 404, 'not_found');
    expectProblem(await getRun(randomUUID()), 404, 'not_found');
    expectProblem(await getRun('not-a-uuid'), 404, 'not_found');
    const theirs = await stack.get<{ items: { id: string }[] }>('/api/v1/runs', 'other');
    expect(theirs.body.items).toEqual([]);
  });

  it('lists runs newest first with their status, paging with page_size and page_token', async () => {
    const all = (await stack.get<{ items: { id: string; status: string }[]; next_page_token: string | null }>('/api/v1/runs?page_size=500', TENANT)).body;
    expect(all.items.length).toBeGreaterThanOrEqual(3);
    expect(all.next_page_token).toBeNull();
    expect(all.items.every((r) => ['pending', 'running', 'succeeded', 'failed', 'canceled'].includes(r.status))).toBe(true);
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const q: string = token ? `page_size=2&page_token=${token}` : 'page_size=2';
      const page = (await stack.get<{ items: { id: string }[]; next_page_token: string | null }>(`/api/v1/runs?${q}`, TENANT)).body;
      seen.push(...page.items.map((r) => r.id));
      token = page.next_page_token;
    } while (token);
    expect(seen).toEqual(all.items.map((r) => r.id));
    expectProblem(await stack.get('/api/v1/runs?page_token=nope', TENANT), 400, 'validation_failed');
  });

  it('cancels a run (200, what it did and the run now), refuses a reader token (403), no reason (400) and another tenant (404), changing nothing', async () => {
    const res = await post({ jobs: [job('x'), job('y', ['x'])] });
    const runId = res.body.run.id;
    const before = await counts();
    const reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'], sub: 'viewer' });
    expectProblem(await send(stack, 'POST', `/api/v1/runs/${runId}/cancel`, { ...reader, 'X-Orch-Reason': 'stop' }), 403, 'forbidden');
    expectProblem(await send(stack, 'POST', `/api/v1/runs/${runId}/cancel`, auth), 400, 'validation_failed');
    const other = await operatorAuth(stack, 'initech');
    expectProblem(await send(stack, 'POST', `/api/v1/runs/${runId}/cancel`, { ...other, 'X-Orch-Reason': 'stop' }), 404, 'not_found');
    expect(await counts()).toEqual(before);

    const canceled = await send<{ changed: boolean; canceled: string[]; cancelRequested: string[]; run: RunView }>(stack, 'POST', `/api/v1/runs/${runId}/cancel`, {
      ...auth,
      'X-Orch-Reason': 'wrong feed',
      'Idempotency-Key': 'cancel-run-1',
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ changed: true, cancelRequested: [] });
    expect(canceled.body.canceled).toHaveLength(2);
    expect(canceled.body.run.status).toBe('canceled');
    expect(canceled.body.run.jobs.map((j) => j.status)).toEqual(['canceled', 'canceled']);
    const again = await send<{ changed: boolean; canceled: string[] }>(stack, 'POST', `/api/v1/runs/${runId}/cancel`, { ...auth, 'X-Orch-Reason': 'wrong feed', 'Idempotency-Key': 'cancel-run-1' });
    expect(again.body.canceled).toEqual(canceled.body.canceled);
    const repeat = await send<{ changed: boolean }>(stack, 'POST', `/api/v1/runs/${runId}/cancel`, { ...auth, 'X-Orch-Reason': 'wrong feed' });
    expect(repeat.body.changed).toBe(false);
  });

  it('replays a finished run: a new run and graph with replayOf on the run and each job (201, Location), 200 on the same key, 409 while unfinished, 404 for another tenant', async () => {
    const original = await post({ jobs: [job('p', [], { payload: { step: 'p' }, priority: 7 }), job('q', ['p'])], failurePolicy: 'continue' });
    const origId = original.body.run.id;
    const unfinished = await send(stack, 'POST', `/api/v1/runs/${origId}/replay`, { ...auth, 'X-Orch-Reason': 'again' });
    expectProblem(unfinished, 409, 'invalid_transition');
    for (const key of ['p', 'q']) await succeed(original.body.jobs.find((j) => j.key === key)!.id);

    const other = await operatorAuth(stack, 'initech');
    expectProblem(await send(stack, 'POST', `/api/v1/runs/${origId}/replay`, { ...other, 'X-Orch-Reason': 'again' }), 404, 'not_found');
    const res = await send<SubmitRunResult>(stack, 'POST', `/api/v1/runs/${origId}/replay`, { ...auth, 'X-Orch-Reason': 'again', 'Idempotency-Key': 'replay-run-1' });
    expect(res.status).toBe(201);
    expect(res.body.run).toMatchObject({ replayOf: origId, failurePolicy: 'continue', jobCount: 2 });
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${res.body.run.id}`);
    expect(res.body.jobs.map((j) => [j.key, j.status])).toEqual([['p', 'queued'], ['q', 'pending']]);
    const view = await getRun(res.body.run.id);
    expect(view.body.jobs.map((j) => [j.key, j.dependsOn])).toEqual([['p', []], ['q', ['p']]]);
    const p = await stack.get<JobView>(`/api/v1/jobs/${res.body.jobs[0].id}`, TENANT);
    expect(p.body).toMatchObject({ replayOf: original.body.jobs[0].id, priority: 7, payload: { step: 'p' }, runId: res.body.run.id });
    const again = await send<SubmitRunResult>(stack, 'POST', `/api/v1/runs/${origId}/replay`, { ...auth, 'X-Orch-Reason': 'again', 'Idempotency-Key': 'replay-run-1' });
    expect(again.status).toBe(200);
    expect(again.body.run.id).toBe(res.body.run.id);
    const audit = await stack.get<{ items: { action: string; after: { replayRunId: string } }[] }>(`/api/v1/audit?action=run.replay&targetId=${origId}`, TENANT);
    expect(audit.body.items.map((e) => e.after.replayRunId)).toEqual([res.body.run.id]);
  });
});
