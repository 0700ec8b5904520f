import { JobView } from '@orch/contracts';
import { ApiStack } from '../test-support/api-stack';
import { controlPlaneCounts, expectProblem, operatorAuth, problemPaths, send } from '../test-support/control-plane';

interface Batch {
  jobs: JobView[];
}

const TENANT = 'acme';
const item = (i: number, extra: Record<string, unknown> = {}) => ({ project: 'p1', jobType: 'demo.batch', payload: { i }, ...extra });

describe('POST /api/v1/jobs/batch (api and ledger-writer as real processes)', () => {
  // A body limit well above NATS's 1 MiB max_payload, so the NATS check is what refuses big batches.
  const stack = new ApiStack({ API_MAX_BODY_BYTES: String(4 * 1_048_576) });
  let auth: Record<string, string>;
  const batch = (body: unknown, headers: Record<string, string> = {}) => send<Batch>(stack, 'POST', '/api/v1/jobs/batch', { ...auth, ...headers }, body);

  beforeAll(async () => {
    await stack.start();
    auth = await operatorAuth(stack, TENANT);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('creates every job in item order in one ledger transaction: 201 {jobs}', async () => {
    const body = { jobs: [item(0), item(1, { project: 'p2', priority: 9 }), item(2, { tenant: TENANT, runAt: new Date(Date.now() + 3_600_000).toISOString() })] };
    const res = await batch(body, { 'Idempotency-Key': 'batch-create' });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotency-key')).toBe('batch-create');
    expect(res.body.jobs.map((j) => [j.tenant, j.project, j.payload['i'], j.status, j.idempotencyKey])).toEqual([
      [TENANT, 'p1', 0, 'queued', 'batch-create#0'],
      [TENANT, 'p2', 1, 'queued', 'batch-create#1'],
      [TENANT, 'p1', 2, 'pending', 'batch-create#2'],
    ]);
    const ids = res.body.jobs.map((j) => j.id);
    const { rows } = await stack.pg.query(`SELECT count(DISTINCT xmin::text)::int AS txs, count(*)::int AS n FROM ledger.jobs WHERE id = ANY($1::uuid[])`, [ids]);
    expect(rows[0]).toEqual({ txs: 1, n: 3 });
    for (const job of res.body.jobs) expect((await stack.get<JobView>(`/api/v1/jobs/${job.id}`, TENANT)).body).toEqual(job);
  });

  it('answers a repeat with the same key and body 200 with the same jobs and Idempotent-Replayed, creating nothing', async () => {
    const body = { jobs: [item(10), item(11)] };
    const first = await batch(body, { 'Idempotency-Key': 'batch-replay' });
    expect(first.status).toBe(201);
    const before = await controlPlaneCounts(stack);
    // Naming the tenant in an item is the same request as leaving it out.
    const again = await batch({ jobs: [item(10, { tenant: TENANT }), item(11)] }, { 'Idempotency-Key': 'batch-replay' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.jobs.map((j) => j.id)).toEqual(first.body.jobs.map((j) => j.id));
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('refuses the same key with another batch with 409 idempotency_conflict, changing nothing', async () => {
    expect((await batch({ jobs: [item(20)] }, { 'Idempotency-Key': 'batch-conflict' })).status).toBe(201);
    const before = await controlPlaneCounts(stack);
    expectProblem(await batch({ jobs: [item(20), item(21)] }, { 'Idempotency-Key': 'batch-conflict' }), 409, 'idempotency_conflict');
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('refuses a batch with invalid items as a whole, naming each item by index, and changes nothing', async () => {
    const before = await controlPlaneCounts(stack);
    const res = await batch({ jobs: [item(0), item(1, { jobType: 'not a type!' }), item(2), item(3, { priority: 10, extra: true })] });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['jobs.1.jobType', 'jobs.3.extra', 'jobs.3.priority']);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it.each([
    ['no jobs', { jobs: [] }, 'jobs'],
    ['more than 1000 jobs', { jobs: Array.from({ length: 1_001 }, (_, i) => item(i)) }, 'jobs'],
    ['jobs that is not a list', { jobs: item(0) }, 'jobs'],
    ['an unknown top-level field', { jobs: [item(0)], tenant: TENANT }, 'tenant'],
  ])('refuses %s with 400 naming the field', async (_what, body, path) => {
    const before = await controlPlaneCounts(stack);
    expectProblem(await batch(body), 400, 'validation_failed');
    expect(problemPaths(await batch(body))).toContain(path);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it("refuses items naming another tenant with 403, naming the items, and items over the payload limit with 413", async () => {
    const before = await controlPlaneCounts(stack);
    const foreign = expectProblem(await batch({ jobs: [item(0), item(1, { tenant: 'globex' })] }), 403, 'forbidden');
    expect(foreign.errors?.map((e) => e.path)).toEqual(['jobs.1.tenant']);
    const big = expectProblem(await batch({ jobs: [item(0), item(1, { payload: { s: 'x'.repeat(262_144) } })] }), 413, 'payload_too_large');
    expect(big.errors?.map((e) => e.path)).toEqual(['jobs.1.payload']);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('needs orch:operate, and a JSON body', async () => {
    const reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'] });
    expectProblem(await send(stack, 'POST', '/api/v1/jobs/batch', reader, { jobs: [item(0)] }), 403, 'forbidden');
    const form = await stack.call('/api/v1/jobs/batch', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'jobs=1' });
    expect(form.status).toBe(415);
  });

  it('makes up a key when none is sent and returns it; a retry with it replays', async () => {
    const first = await batch({ jobs: [item(30)] });
    expect(first.status).toBe(201);
    const key = first.headers.get('idempotency-key')!;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const retry = await batch({ jobs: [item(30)] }, { 'Idempotency-Key': key });
    expect({ status: retry.status, ids: retry.body.jobs.map((j) => j.id) }).toEqual({ status: 200, ids: first.body.jobs.map((j) => j.id) });
  });

  it('takes 1000 jobs in one call', async () => {
    const res = await batch({ jobs: Array.from({ length: 1_000 }, (_, i) => item(i, { jobType: 'demo.thousand' })) }, { 'Idempotency-Key': 'batch-1000' });
    expect(res.status).toBe(201);
    expect(res.body.jobs).toHaveLength(1_000);
    const { rows } = await stack.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE job_type = 'demo.thousand'`);
    expect(rows[0].n).toBe(1_000);
  });

  it("refuses with 413 naming NATS's max_payload a batch whose command would not fit one NATS message, changing nothing", async () => {
    const before = await controlPlaneCounts(stack);
    // Five payloads just under the 256 KiB item limit: ~1.25 MB of command, under the 4 MiB body limit.
    const res = await batch({ jobs: Array.from({ length: 5 }, (_, i) => item(i, { payload: { s: 'x'.repeat(250_000) } })) });
    const problem = expectProblem(res, 413, 'payload_too_large');
    expect(problem.detail).toMatch(/max_payload of 1048576 bytes/);
    expect(Number(/needs a (\d+)-byte command/.exec(problem.detail)?.[1])).toBeGreaterThan(1_048_576);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('refuses with 413 a batch whose command fits but whose reply (a job view per item) would not, changing nothing', async () => {
    const before = await controlPlaneCounts(stack);
    const res = await batch({ jobs: Array.from({ length: 1_000 }, (_, i) => item(i, { payload: { s: 'x'.repeat(450) } })) });
    const problem = expectProblem(res, 413, 'payload_too_large');
    // The command alone would fit; the reply would not.
    const [, command, reply] = /needs a (\d+)-byte command and a (\d+)-byte reply/.exec(problem.detail) ?? [];
    expect(Number(command)).toBeLessThan(1_044_480);
    expect(Number(reply)).toBeGreaterThan(1_044_480);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });
});
