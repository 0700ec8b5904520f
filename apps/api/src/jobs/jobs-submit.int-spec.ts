import { JobView } from '@orch/contracts';
import { ApiStack } from '../test-support/api-stack';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

const valid = { tenant: 'acme', project: 'p1', jobType: 'demo.echo', payload: { n: 1 } };

function expectProblem(answer: { status: number; contentType: string; body: unknown }, status: number, code: string): Problem {
  expect({ status: answer.status, contentType: answer.contentType }).toEqual({ status, contentType: expect.stringContaining('application/problem+json') });
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
  return problem;
}

describe('POST /api/v1/jobs (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack({ API_COMMAND_TIMEOUT_MS: '1500' });

  beforeAll(() => stack.start(), 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('creates a job: 201, Location of the job, the JobView, the caller\'s correlation id', async () => {
    const res = await stack.submit<JobView>(valid, { 'Idempotency-Key': 'create-1', 'X-Correlation-Id': 'corr-create-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/jobs/${res.body.id}`);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.body).toMatchObject({ ...valid, status: 'queued', priority: 5, maxAttempts: 3, attempt: 1, idempotencyKey: 'create-1', correlationId: 'corr-create-1' });
    const { rows } = await stack.pg.query(`SELECT tenant, correlation_id FROM ledger.jobs WHERE id = $1`, [res.body.id]);
    expect(rows).toEqual([{ tenant: 'acme', correlation_id: 'corr-create-1' }]);
  });

  it('answers a repeat with the same key and body 200 with the same job and Idempotent-Replayed, creating nothing', async () => {
    const body = { ...valid, payload: { n: 2 }, priority: 7 };
    const first = await stack.submit<JobView>(body, { 'Idempotency-Key': 'replay-1' });
    expect(first.status).toBe(201);
    const before = await stack.counts();
    // Key order inside the body does not matter: the digest is over canonical JSON.
    const again = await stack.submit<JobView>({ priority: 7, payload: { n: 2 }, jobType: 'demo.echo', project: 'p1', tenant: 'acme' }, { 'Idempotency-Key': 'replay-1' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await stack.counts()).toEqual(before);
  });

  it('refuses the same key with another body with 409 idempotency_conflict and adds nothing to the ledger', async () => {
    const first = await stack.submit<JobView>({ ...valid, payload: { n: 3 } }, { 'Idempotency-Key': 'conflict-1' });
    expect(first.status).toBe(201);
    const before = await stack.counts();
    const other = await stack.submit({ ...valid, payload: { n: 4 } }, { 'Idempotency-Key': 'conflict-1' });
    expectProblem(other, 409, 'idempotency_conflict');
    expect(await stack.counts()).toEqual(before);
  });

  it('scopes keys per tenant: the same key in another tenant creates that tenant\'s job', async () => {
    const a = await stack.submit<JobView>({ ...valid, tenant: 'key-a' }, { 'Idempotency-Key': 'shared-key' });
    const b = await stack.submit<JobView>({ ...valid, tenant: 'key-b' }, { 'Idempotency-Key': 'shared-key' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('makes up a key when none is sent and returns it, so each keyless call creates a job', async () => {
    const one = await stack.submit<JobView>(valid);
    const two = await stack.submit<JobView>(valid);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(one.headers.get('idempotency-key')).toBe(one.body.idempotencyKey);
    expect(one.body.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(two.body.id).not.toBe(one.body.id);
    // Retrying with the returned key is safe.
    const retry = await stack.submit<JobView>(valid, { 'Idempotency-Key': one.body.idempotencyKey });
    expect({ status: retry.status, id: retry.body.id }).toEqual({ status: 200, id: one.body.id });
  });

  it('keeps a future runAt pending and accepts a payload above the 100 kB express default', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await stack.submit<JobView>({ ...valid, runAt, payload: { blob: 'x'.repeat(200_000) } }, { 'Idempotency-Key': 'big-pending' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', runAt });
  });

  const badBodies: [string, unknown, number, string, string[]][] = [
    ['an empty object', {}, 400, 'validation_failed', ['project', 'jobType', 'payload']],
    ['a missing payload', { tenant: 'acme', project: 'p1', jobType: 'demo.echo' }, 400, 'validation_failed', ['payload']],
    ['wrong types', { tenant: 1, project: true, jobType: [], payload: {} }, 400, 'validation_failed', ['tenant', 'project', 'jobType']],
    ['an unknown field', { ...valid, colour: 'red' }, 400, 'validation_failed', ['colour']],
    ['a tenant with a dot', { ...valid, tenant: 'ac.me' }, 400, 'validation_failed', ['tenant']],
    ['a tenant with a wildcard', { ...valid, tenant: 'acme*' }, 400, 'validation_failed', ['tenant']],
    ['an upper-case tenant', { ...valid, tenant: 'ACME' }, 400, 'validation_failed', ['tenant']],
    ['priority 10', { ...valid, priority: 10 }, 400, 'validation_failed', ['priority']],
    ['priority 1.5', { ...valid, priority: 1.5 }, 400, 'validation_failed', ['priority']],
    ['maxAttempts 0', { ...valid, maxAttempts: 0 }, 400, 'validation_failed', ['maxAttempts']],
    ['runAt "soon"', { ...valid, runAt: 'soon' }, 400, 'validation_failed', ['runAt']],
    ['a string payload', { ...valid, payload: 'hello' }, 400, 'validation_failed', ['payload']],
    ['a null payload', { ...valid, payload: null }, 400, 'validation_failed', ['payload']],
    ['a top-level array', [valid], 400, 'validation_failed', []],
    ['malformed JSON', '{"tenant": "acme", ', 400, 'decode_failed', []],
    ['a JSON string instead of an object', '"acme"', 400, 'decode_failed', []],
    ['a payload over API_MAX_PAYLOAD_BYTES', { ...valid, payload: { blob: 'x'.repeat(262_144) } }, 413, 'payload_too_large', ['payload']],
    ['a body over API_MAX_BODY_BYTES', { ...valid, payload: { blob: 'x'.repeat(1_100_000) } }, 413, 'payload_too_large', []],
  ];

  it.each(badBodies)('refuses %s with problem+json and changes nothing', async (_what, body, status, code, paths) => {
    const before = await stack.counts();
    const res = await stack.submit(body, { 'Idempotency-Key': `bad-${_what}`.slice(0, 200) });
    const problem = expectProblem(res, status, code);
    if (paths.length > 0) expect(problem.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
    expect(await stack.counts()).toEqual(before);
  });

  it.each([
    ['too long', 'k'.repeat(201)],
    ['empty', ''],
  ])('refuses an Idempotency-Key that is %s with 400 and changes nothing', async (_what, key) => {
    const before = await stack.counts();
    const problem = expectProblem(await stack.submit(valid, { 'Idempotency-Key': key }), 400, 'validation_failed');
    expect(problem.errors?.[0].path).toBe('Idempotency-Key');
    expect(await stack.counts()).toEqual(before);
  });

  it.each([
    ['text/plain', JSON.stringify(valid)],
    ['application/x-www-form-urlencoded', 'tenant=acme&project=p1'],
  ])('refuses a %s body with 415 and changes nothing', async (contentType, body) => {
    const before = await stack.counts();
    const res = await stack.call('/api/v1/jobs', { method: 'POST', headers: { ...(await stack.authHeader({ tenant: 'acme' })), 'content-type': contentType }, body });
    expectProblem(res, 415, 'unsupported_media_type');
    expect(await stack.counts()).toEqual(before);
  });

  it('answers 503 problem+json with Retry-After while ledger-writer is down, and after it was asked in vain', async () => {
    await stack.ledgerWriter.stop();
    const before = await stack.counts();
    const down = await stack.submit(valid, { 'Idempotency-Key': 'while-down' });
    expectProblem(down, 503, 'unavailable');
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);

    // A responder that never answers: the api gives up after API_COMMAND_TIMEOUT_MS.
    const silent = stack.ns.nc.subscribe(stack.ns.names.cmd('ledger-writer', 'submit'), { queue: 'ledger-writer' });
    await stack.ns.nc.flush();
    const late = await stack.submit(valid, { 'Idempotency-Key': 'while-silent' });
    silent.unsubscribe();
    expect(expectProblem(late, 503, 'unavailable').detail).toContain('did not answer within 1500 ms');
    expect(late.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await stack.counts()).toEqual(before);
  });

  it('sent X-Orch-Api-Version on every answer above', () => {
    // ApiStack.call throws on an answer without it; this proves answers were actually checked.
    expect(stack.answers).toBeGreaterThan(30);
  });
});
