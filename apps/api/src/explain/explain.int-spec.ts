import { JobExplanation, JobView } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { TEST_NATS_URL } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { ApiStack } from '../test-support/api-stack';

const TENANT = 'acme';
const OTHER = 'globex';

/**
 * `GET /api/v1/jobs/{id}/explain` over the real api and ledger-writer. No
 * scheduler runs, so submitted jobs stay queued until the test moves them with
 * the ledger commands the scheduler would send (throttle, admit).
 */
describe('GET /api/v1/jobs/{id}/explain (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let nc: NatsConnection;
  let client: OrchClient;
  let seq = 0;

  async function submit(extra: Record<string, unknown> = {}, tenant = TENANT): Promise<JobView> {
    const res = await stack.submit<JobView>({ tenant, project: 'p1', jobType: 'explain.a', payload: { n: seq }, ...extra }, { 'Idempotency-Key': `explain-${seq++}` });
    expect(res.status).toBe(201);
    return res.body;
  }

  const explain = (id: string, tenant = TENANT) => stack.get<JobExplanation>(`/api/v1/jobs/${id}/explain`, tenant);
  const ledger = <T>(verb: string, data: unknown) =>
    client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant: TENANT, project: '*', correlationId: randomUUID(), data });

  beforeAll(async () => {
    await stack.start();
    nc = await connect({ servers: TEST_NATS_URL });
    client = new OrchClient(nc, stack.ns.names);
  }, 150_000);
  afterAll(async () => {
    await nc?.close();
    await stack.stop();
  }, 60_000);

  it('says a job with a future runAt is scheduled until then', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const job = await submit({ runAt });
    const res = await explain(job.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jobId: job.id, status: 'pending', progressing: false, nextEligibleAt: runAt, queue: null, workers: null });
    expect(res.body.reasons.map((r) => r.code)).toEqual(['scheduled']);
    expect(res.body.reasons[0].until).toBe(runAt);
  });

  it('ranks an eligible job by priority then age among the tenant\'s jobs of its type, and says no worker has run one', async () => {
    const type = 'explain.rank';
    const low = await submit({ jobType: type, priority: 1 });
    const high = await submit({ jobType: type, priority: 8 });
    const lowLater = await submit({ jobType: type, priority: 1 });
    await submit({ jobType: type, priority: 9 }, OTHER); // another tenant's job never counts
    await submit({ jobType: 'explain.other', priority: 9 }); // nor another type

    const first = await explain(high.id);
    expect(first.body).toMatchObject({ status: 'queued', progressing: true, queue: { ahead: 0, waiting: 3 }, workers: { running: 0, lastStartedAt: null } });
    expect(first.body.reasons.map((r) => r.code)).toEqual(['awaiting_admission']);

    const last = await explain(lowLater.id);
    expect(last.body.queue).toEqual({ ahead: 2, waiting: 3 });
    expect(last.body.reasons.map((r) => r.code)).toEqual(['awaiting_admission', 'priority']);
    expect((await explain(low.id)).body.queue).toEqual({ ahead: 1, waiting: 3 });
  });

  it('names the limit that throttles a job, its rule, key and next eligible time', async () => {
    const job = await submit({ jobType: 'explain.held', source: 'feeds.example.org' });
    const nextEligibleAt = new Date(Date.now() + 90_000).toISOString();
    const reason = { code: 'rate_limited', ruleId: 'feeds-per-source', key: 'tenant=acme/source=feeds.example.org', detail: '60 per minute' };
    const res = await ledger<{ throttled: string[] }>('throttle', { jobs: [{ jobId: job.id, attempt: 1, reason, nextEligibleAt }] });
    expect(res.throttled).toEqual([job.id]);

    const body = (await explain(job.id)).body;
    expect(body).toMatchObject({ status: 'throttled', progressing: false, nextEligibleAt });
    expect(body.reasons[0]).toEqual({ code: 'rate_limited', ruleId: reason.ruleId, key: reason.key, until: nextEligibleAt, detail: expect.stringContaining('60 per minute') });
    expect(body.summary).toBe(body.reasons[0].detail);
  });

  it('says a paused job waits for the resume, with no next eligible time', async () => {
    const job = await submit({ jobType: 'explain.paused' });
    const reason = { code: 'paused', ruleId: 'pause-1', key: 'tenant=acme/jobType=explain.paused', detail: 'paused by ops' };
    await ledger('throttle', { jobs: [{ jobId: job.id, attempt: 1, reason, nextEligibleAt: null }] });
    const body = (await explain(job.id)).body;
    expect(body.nextEligibleAt).toBeNull();
    expect(body.reasons[0]).toMatchObject({ code: 'paused', until: null, detail: expect.stringContaining('until the pause is lifted') });
  });

  it('says an admitted job waits for a worker, and that none serves its type', async () => {
    const job = await submit({ jobType: 'explain.nobody' });
    const res = await ledger<{ admitted: string[] }>('admit', { jobs: [{ jobId: job.id, attempt: 1 }] });
    expect(res.admitted).toEqual([job.id]);
    const body = (await explain(job.id)).body;
    expect(body).toMatchObject({ status: 'queued', queue: null, workers: { running: 0, lastStartedAt: null }, progressing: false });
    expect(body.reasons.map((r) => r.code)).toEqual(['no_worker']);
  });

  it('names the unfinished parents a run\'s job waits for', async () => {
    const auth = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'] });
    const job = (key: string, dependsOn: string[] = []) => ({ key, project: 'p1', jobType: 'explain.dag', payload: {}, dependsOn });
    const res = await stack.call<{ jobs: { key: string; id: string }[] }>('/api/v1/runs', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'Idempotency-Key': 'explain-run' },
      body: JSON.stringify({ jobs: [job('a'), job('b'), job('c', ['a', 'b'])] }),
    });
    expect(res.status).toBe(201);
    const id = (key: string) => res.body.jobs.find((j) => j.key === key)!.id;
    const body = (await explain(id('c'))).body;
    expect(body).toMatchObject({ status: 'pending', progressing: false, nextEligibleAt: null });
    expect(body.reasons.map((r) => r.code)).toEqual(['dependencies']);
    expect(body.reasons[0].detail).toContain(`${id('a')} (queued)`);
    expect(body.reasons[0].detail).toContain(`${id('b')} (queued)`);
  });

  it('says a canceled job is finished', async () => {
    const job = await submit({ jobType: 'explain.done' });
    const auth = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'] });
    const cancel = await stack.call(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: { ...auth, 'X-Orch-Reason': 'test', 'Idempotency-Key': randomUUID() } });
    expect(cancel.status).toBe(200);
    const body = (await explain(job.id)).body;
    expect(body).toMatchObject({ status: 'canceled', progressing: false, nextEligibleAt: null });
    expect(body.reasons.map((r) => r.code)).toEqual(['finished']);
  });

  it('answers 404 alike for another tenant\'s job, an unknown id and a malformed one, and 403 without orch:read', async () => {
    const theirs = await submit({}, OTHER);
    const unknown = await explain(randomUUID());
    const foreign = await explain(theirs.id);
    const malformed = await explain('not-a-uuid');
    for (const res of [unknown, foreign, malformed]) {
      expect(res.status).toBe(404);
      expect(res.contentType).toMatch(/application\/problem\+json/);
    }
    expect(JSON.stringify(foreign.body)).not.toContain(OTHER);
    const noScope = await stack.call(`/api/v1/jobs/${theirs.id}/explain`, { headers: await stack.authHeader({ tenant: OTHER, scopes: ['orch:operate'] }) });
    expect(noScope.status).toBe(403);
    expect((await stack.call(`/api/v1/jobs/${theirs.id}/explain`)).status).toBe(401);
  });
});
