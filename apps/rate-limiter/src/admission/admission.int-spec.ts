import { OrchError, RateLimitAdmitResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { parseEnv, RunningService } from '@orch/service-kit';
import { createTestDatabase, createTestNamespace, TEST_NATS_URL, TestDatabase, TestNamespace } from '@orch/testing';
import { RateLimiterConfig } from '../config';
import { startRateLimiter } from '../start-rate-limiter';

const JOB_A = '0192f0a0-0000-7000-8000-00000000000a';
const JOB_B = '0192f0a0-0000-7000-8000-00000000000b';

const candidate = (jobId: string, priority = 5) => ({ jobId, attempt: 1, project: 'p1', jobType: 'demo.echo', priority });

describe('rate-limiter admit command (real NATS)', () => {
  let ns: TestNamespace;
  let db: TestDatabase;
  let service: RunningService;
  let client: OrchClient;

  beforeAll(async () => {
    ns = await createTestNamespace();
    db = await createTestDatabase('orch_rl');
    const config = parseEnv(RateLimiterConfig, { NATS_URL: TEST_NATS_URL, DATABASE_URL: db.url, ORCH_NAMESPACE: ns.names.namespace, HTTP_PORT: '0', LOG_LEVEL: 'warn' });
    service = await startRateLimiter(config, { handleSignals: false });
    client = new OrchClient(ns.nc, ns.names);
  });

  afterAll(async () => {
    await service?.shutdown('test done');
    await ns?.cleanup();
    await db?.drop();
  });

  const admit = (tenant: string, jobs: unknown[]) =>
    client.command<RateLimitAdmitResult>('rate-limiter', 'admit', { type: 'ratelimiter.admit', tenant, project: '*', correlationId: 'corr-rl', data: { jobs } });

  it('answers over NATS, while no limit is set, with every candidate allowed, in order, and none throttled', async () => {
    await expect(admit('t1', [candidate(JOB_B, 9), candidate(JOB_A, 1)])).resolves.toEqual({ allowed: [JOB_B, JOB_A], throttled: [] });
  });

  it('answers an empty candidate list with empty lists', async () => {
    await expect(admit('t1', [])).resolves.toEqual({ allowed: [], throttled: [] });
  });

  it('refuses a candidate whose jobId is not a uuid with a validation error reply naming the field', async () => {
    const err = await admit('t1', [candidate('not-a-uuid')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'validation_failed', status: 400, retryable: false });
    expect((err as OrchError).errors?.map((e) => e.path)).toEqual(['jobs.0.jobId']);
  });

  it('reports ready on /readyz and alive on /healthz', async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
