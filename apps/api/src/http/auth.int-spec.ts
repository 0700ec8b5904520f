import { jetstream } from '@nats-io/jetstream';
import { encodeJson, JobView, makeEnvelope } from '@orch/contracts';
import { spawnTs, TestAuth } from '@orch/testing';
import { ApiAnswer, ApiStack } from '../test-support/api-stack';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  traceId?: string;
}

const A = 'tenant-a';
const B = 'tenant-b';
const NEVER = '01a20811-0000-7000-8000-000000000000';

function expectProblem(res: ApiAnswer, status: number, code: string): Problem {
  expect({ status: res.status, type: res.contentType, code: (res.body as Problem).code }).toEqual({ status, type: expect.stringContaining('application/problem+json'), code });
  return res.body as Problem;
}

describe('api authentication, scopes and tenancy (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let jobA: JobView;
  let jobB: JobView;
  let readA: Record<string, string>;
  let stranger: TestAuth;

  beforeAll(async () => {
    await stack.start();
    stranger = await TestAuth.create();
    jobA = (await stack.submit<JobView>({ project: 'p1', jobType: 'demo.echo', payload: { who: 'a' } }, await stack.authHeader({ tenant: A, scopes: ['orch:operate'] }))).body;
    jobB = (await stack.submit<JobView>({ tenant: B, project: 'p1', jobType: 'demo.echo', payload: { who: 'b' } })).body;
    readA = await stack.authHeader({ tenant: A, scopes: ['orch:read'] });
    const js = jetstream(stack.ns.nc);
    const line = { jobId: jobB.id, attempt: 1, level: 'info', message: 'secret of b', ts: new Date().toISOString() };
    await js.publish(stack.ns.names.log(B, jobB.id), encodeJson(makeEnvelope({ type: 'job.log', tenant: B, project: 'p1', correlationId: 'c', data: line })));
  }, 150_000);
  afterAll(async () => {
    stranger?.cleanup();
    await stack.stop();
  }, 60_000);

  describe('401', () => {
    it('answers a request without a token 401 problem+json with a bare Bearer challenge, and counts nothing', async () => {
      const res = await stack.call(`/api/v1/jobs/${jobA.id}`);
      expect(expectProblem(res, 401, 'unauthorized').detail).toBe('send Authorization: Bearer <token>');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orch"');
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    });

    it.each([
      ['garbage', async () => 'Bearer not.a.jwt!'],
      ['a Basic credential', async () => 'Basic dXNlcjpwYXNz'],
      ['an expired token', async () => `Bearer ${await stack.auth.token({ tenant: A, ttlSeconds: -120 })}`],
      ['a token signed by another key', async () => `Bearer ${await stranger.token({ tenant: A })}`],
    ])('answers %s 401 with error="invalid_token" and changes nothing', async (_what, authorization) => {
      const before = await stack.counts();
      for (const res of [
        await stack.call(`/api/v1/jobs/${jobA.id}`, { headers: { authorization: await authorization() } }),
        await stack.submit({ project: 'p1', jobType: 'demo.echo', payload: {} }, { authorization: await authorization() }),
      ]) {
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="orch", error="invalid_token", error_description="[^"]+"$/);
      }
      expect(await stack.counts()).toEqual(before);
    });

    it('does not take ?access_token= on API routes (only streams do)', async () => {
      const token = await stack.auth.token({ tenant: A, scopes: ['orch:read'] });
      const res = await stack.call(`/api/v1/jobs/${jobA.id}?access_token=${token}`);
      expect(expectProblem(res, 401, 'unauthorized').detail).toMatch(/only on stream routes/);
    });

    it('keeps the health probes public', async () => {
      expect((await stack.call('/healthz')).status).toBe(200);
      expect((await stack.call('/readyz')).status).toBe(200);
    });
  });

  describe('403', () => {
    it('refuses a submit with a read-only token (orch:operate missing) and adds nothing to the ledger', async () => {
      const before = await stack.counts();
      const res = await stack.submit({ tenant: A, project: 'p1', jobType: 'demo.echo', payload: {} }, readA);
      expect(expectProblem(res, 403, 'forbidden').detail).toBe('this operation requires scope orch:operate');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orch", error="insufficient_scope", scope="orch:operate"');
      expect(await stack.counts()).toEqual(before);
    });

    it('refuses reads with an operate-only token', async () => {
      const res = await stack.call(`/api/v1/jobs/${jobA.id}`, { headers: await stack.authHeader({ tenant: A, scopes: ['orch:operate'] }) });
      expect(expectProblem(res, 403, 'forbidden').detail).toBe('this operation requires scope orch:read');
    });

    it('refuses a body naming another tenant with 403 and adds nothing; naming its own tenant or none creates the job there', async () => {
      const operateA = await stack.authHeader({ tenant: A, scopes: ['orch:operate'] });
      const before = await stack.counts();
      const res = await stack.submit({ tenant: B, project: 'p1', jobType: 'demo.echo', payload: {} }, { ...operateA, 'Idempotency-Key': 'cross' });
      expect(expectProblem(res, 403, 'forbidden').detail).not.toContain(B);
      expect(await stack.counts()).toEqual(before);

      const named = await stack.submit<JobView>({ tenant: A, project: 'p1', jobType: 'demo.echo', payload: { same: 1 } }, { ...operateA, 'Idempotency-Key': 'same' });
      const omitted = await stack.submit<JobView>({ project: 'p1', jobType: 'demo.echo', payload: { same: 1 } }, { ...operateA, 'Idempotency-Key': 'same' });
      expect([named.status, omitted.status]).toEqual([201, 200]);
      expect(omitted.body).toEqual(named.body);
      expect(named.body.tenant).toBe(A);
    });

    it('refuses a token that grants no tenant', async () => {
      const res = await stack.call('/api/v1/jobs', { headers: await stack.authHeader({ tenants: [], scopes: ['orch:read'] }) });
      expect(expectProblem(res, 403, 'forbidden').detail).toBe('the token grants no tenant');
    });
  });

  describe('tenancy: another tenant\'s objects are 404, exactly like objects that never existed', () => {
    /** A 404 body with the requested id and per-request fields taken out. */
    const normalized = (res: ApiAnswer, id: string) => {
      const body = { ...(res.body as Problem) };
      delete body.traceId;
      return JSON.parse(JSON.stringify(body).split(id).join('<id>')) as Problem;
    };

    it.each(['', '/events', '/logs'])('GET /jobs/{id}%s of tenant B as tenant A is 404 with the body of a never-existing id', async (suffix) => {
      const foreign = await stack.call(`/api/v1/jobs/${jobB.id}${suffix}`, { headers: readA });
      const never = await stack.call(`/api/v1/jobs/${NEVER}${suffix}`, { headers: readA });
      expectProblem(foreign, 404, 'not_found');
      expectProblem(never, 404, 'not_found');
      expect(normalized(foreign, jobB.id)).toEqual(normalized(never, NEVER));
      expect(JSON.stringify(foreign.body)).not.toMatch(/tenant-b|secret/);
      expect([...foreign.headers.keys()].sort()).toEqual([...never.headers.keys()].sort());
    });

    it('lists only the caller\'s jobs', async () => {
      const list = await stack.call<{ items: JobView[] }>('/api/v1/jobs?page_size=500', { headers: readA });
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBeGreaterThan(0);
      expect(list.body.items.every((j) => j.tenant === A)).toBe(true);
      expect(list.body.items.some((j) => j.id === jobB.id)).toBe(false);
      const byType = await stack.call<{ items: JobView[] }>(`/api/v1/jobs?project=p1&jobType=demo.echo`, { headers: await stack.authHeader({ tenant: 'tenant-c', scopes: ['orch:read'] }) });
      expect(byType.body).toEqual({ items: [], next_page_token: null });
    });

    it('shows tenant B its own job with B\'s token', async () => {
      const res = await stack.call<JobView>(`/api/v1/jobs/${jobB.id}`, { headers: await stack.authHeader({ tenant: B, scopes: ['orch:read'] }) });
      expect({ status: res.status, id: res.body.id }).toEqual({ status: 200, id: jobB.id });
    });
  });

  it.each(['api', 'event-notifier'])('refuses to start the %s without a JWKS source, naming the variables', async (service) => {
    const env = { ...stack.env, HTTP_PORT: '0', AUTH_JWKS_FILE: '', AUTH_JWKS_URL: '' };
    const proc = spawnTs(`apps/${service}/src/main.ts`, env, service);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/AUTH_JWKS_URL .*or AUTH_JWKS_FILE .*must be set/);
  });

  it('refuses to start with an AUTH_JWKS_FILE that is not a JWKS, naming the variable', async () => {
    const env = { ...stack.env, HTTP_PORT: '0', AUTH_JWKS_FILE: 'package.json' };
    const proc = spawnTs('apps/api/src/main.ts', env, 'api');
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/AUTH_JWKS_FILE is unusable: JWKS file package.json must be an object with a non-empty "keys" array/);
  });
});
