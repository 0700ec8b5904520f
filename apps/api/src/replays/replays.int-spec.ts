import { BulkDeadLetterResult, DeadLetterDetail, DeadLetterStats, JobView, LeaseCommandResult, ReplayJobResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { randomUUID } from 'node:crypto';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, operatorAuth, send } from '../test-support/control-plane';
import type { DeadLetterPage } from './replays.service';

const TENANT = 'acme';
const OTHER = 'globex';
const REASON = { 'X-Orch-Reason': 'upstream fixed' };

describe('replays and /api/v1/dead-letters (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let auth: Record<string, string>;
  let otherAuth: Record<string, string>;
  let reader: Record<string, string>;
  let client: OrchClient;

  /** Submits a job through the api and fails its one attempt for good through the ledger, as a worker would. */
  async function deadLetter(jobType: string, message: string, code = 'upstream_503', tenant = TENANT, headers = auth): Promise<JobView> {
    const submitted = await send<JobView>(stack, 'POST', '/api/v1/jobs', headers, { project: 'p1', jobType, payload: { message }, maxAttempts: 1 });
    expect(submitted.status).toBe(201);
    const jobId = submitted.body.id;
    const command = <T>(verb: string, data: object) => client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project: '*', correlationId: randomUUID(), data });
    await command('admit', { jobs: [{ jobId, attempt: 1 }] });
    const r = (await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 60_000, jobs: [{ jobId, attempt: 1 }] })).results[0];
    if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
    const fence = { jobId, leaseId: r.allocation.leaseId, fencingToken: r.allocation.fencingToken };
    await command('start', fence);
    await command('fail', { ...fence, error: { code, message, retryable: false } });
    return submitted.body;
  }

  beforeAll(async () => {
    await stack.start();
    auth = await operatorAuth(stack, TENANT);
    otherAuth = await operatorAuth(stack, OTHER);
    reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'], sub: 'viewer@example.com' });
    client = new OrchClient(stack.ns.nc, stack.ns.names);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('replays a failed job (201, Location, replayOf), answers a retry with the key with the same replay (200), and audits it', async () => {
    const original = await deadLetter('rp.single', 'upstream answered 503');
    const res = await send<ReplayJobResult>(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...auth, ...REASON, 'Idempotency-Key': 'replay-1' }, {});
    expect(res.status).toBe(201);
    expect(res.body.replayOf).toBe(original.id);
    expect(res.body.job).toMatchObject({ replayOf: original.id, jobType: 'rp.single', status: 'queued', payload: { message: 'upstream answered 503' }, maxAttempts: 1 });
    expect(res.headers.get('location')).toBe(`/api/v1/jobs/${res.body.job.id}`);
    const again = await send<ReplayJobResult>(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...auth, ...REASON, 'Idempotency-Key': 'replay-1' }, {});
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.job.id).toBe(res.body.job.id);
    const conflict = await send(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...auth, ...REASON, 'Idempotency-Key': 'replay-1' }, { priority: 9 });
    expectProblem(conflict, 409, 'idempotency_conflict');
    const audit = await stack.get<{ items: { action: string; after: { replayJobId: string } }[] }>(`/api/v1/audit?action=job.replay&targetId=${original.id}`, TENANT);
    expect(audit.body.items.map((e) => e.after.replayJobId)).toEqual([res.body.job.id]);
  });

  it('refuses a replay without a reason (400), with a reader token (403), of an unfinished job (409) and of another tenant\'s job (404), changing nothing', async () => {
    const original = await deadLetter('rp.refuse', 'boom');
    const queued = await send<JobView>(stack, 'POST', '/api/v1/jobs', auth, { project: 'p1', jobType: 'rp.nobody', payload: {} });
    const before = await stack.counts();
    expectProblem(await send(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, auth, {}), 400, 'validation_failed');
    expectProblem(await send(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...reader, ...REASON }, {}), 403, 'forbidden');
    expectProblem(await send(stack, 'POST', `/api/v1/jobs/${queued.body.id}/replay`, { ...auth, ...REASON }, {}), 409, 'invalid_transition');
    expectProblem(await send(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...otherAuth, ...REASON }, {}), 404, 'not_found');
    expectProblem(await send(stack, 'POST', `/api/v1/jobs/${original.id}/replay`, { ...auth, ...REASON }, { payload: 'x' }), 400, 'validation_failed');
    expect(await stack.counts()).toEqual(before);
  });

  it('lists, inspects and counts dead letters, clustering messages that differ only in their values; another tenant sees none of them', async () => {
    for (let i = 0; i < 3; i++) await deadLetter('rp.stats', `upstream answered 503 after ${1000 + i} ms for job ${randomUUID()}`);
    await deadLetter('rp.stats', 'schema mismatch in field "cve_id"', 'bad_payload');
    const foreignJob = await deadLetter('rp.stats', 'foreign failure', 'x_500', OTHER, otherAuth);

    const page = await stack.get<DeadLetterPage>('/api/v1/dead-letters?jobType=rp.stats&page_size=2', TENANT);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.next_page_token).not.toBeNull();
    const rest = await stack.get<DeadLetterPage>(`/api/v1/dead-letters?jobType=rp.stats&page_size=10&page_token=${page.body.next_page_token}`, TENANT);
    expect(rest.body.items).toHaveLength(2);
    expect(new Set([...page.body.items, ...rest.body.items].map((d) => d.jobId)).size).toBe(4);
    expect((await stack.get<DeadLetterPage>('/api/v1/dead-letters?errorCode=bad_payload', TENANT)).body.items).toHaveLength(1);

    const stats = await stack.get<DeadLetterStats>('/api/v1/dead-letters/stats?jobType=rp.stats', TENANT);
    expect(stats.body).toMatchObject({ total: 4, open: 4, replayed: 0, byJobType: [{ jobType: 'rp.stats', count: 4, open: 4 }], byReason: [{ reason: 'non_retryable', count: 4 }] });
    expect(stats.body.topErrors[0]).toMatchObject({ errorCode: 'upstream_503', message: 'upstream answered <n> after <n> ms for job <id>', count: 3, jobTypes: ['rp.stats'] });
    expect(stats.body.topErrors[0].sampleJobIds).toHaveLength(3);
    expect(stats.body.topErrors[1]).toMatchObject({ errorCode: 'bad_payload', message: 'schema mismatch in field <…>', count: 1 });

    const one = page.body.items[0];
    const detail = await stack.get<DeadLetterDetail>(`/api/v1/dead-letters/${one.jobId}`, TENANT);
    expect(detail.body).toMatchObject({ deadLetter: { jobId: one.jobId, errorCode: one.errorCode, replayedAs: null }, job: { id: one.jobId, status: 'failed' } });
    expectProblem(await stack.get(`/api/v1/dead-letters/${one.jobId}`, OTHER), 404, 'not_found');
    // The other tenant sees its own dead letter of the type and none of acme's, in the list and in the stats.
    const foreign = await stack.get<DeadLetterPage>('/api/v1/dead-letters?jobType=rp.stats', OTHER);
    expect(foreign.body.items.map((d) => d.jobId)).toEqual([foreignJob.id]);
    const foreignStats = await stack.get<DeadLetterStats>('/api/v1/dead-letters/stats?jobType=rp.stats', OTHER);
    expect(foreignStats.body).toMatchObject({ total: 1, topErrors: [{ errorCode: 'x_500', count: 1 }] });
    expect(stats.body.topErrors.flatMap((c) => c.sampleJobIds)).not.toContain(foreignJob.id);
  });

  it('bulk-replays by filter: the dry run counts exactly what the real call then replays, a second call finds nothing left; purge removes from the set', async () => {
    for (let i = 0; i < 5; i++) await deadLetter('rp.bulk', `timeout ${i}`, 'timeout');
    await deadLetter('rp.bulk', 'other', 'other_code');
    const filter = { jobType: 'rp.bulk', errorCode: 'timeout' };
    const before = await stack.counts();
    const dry = await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/replay', { ...auth, ...REASON }, { filter, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, matched: 5 });
    expect(dry.body.sampleJobIds).toHaveLength(5);
    expect(await stack.counts()).toEqual(before);

    const real = await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/replay', { ...auth, ...REASON, 'Idempotency-Key': 'bulk-1' }, { filter, priority: 2 });
    expect(real.body).toMatchObject({ dryRun: false, matched: 5, skipped: [] });
    expect(real.body.replayed!.map((r) => r.replayOf).sort()).toEqual([...dry.body.sampleJobIds].sort());
    const replayJob = await stack.get<JobView>(`/api/v1/jobs/${real.body.replayed![0].jobId}`, TENANT);
    expect(replayJob.body).toMatchObject({ priority: 2, status: 'queued', replayOf: real.body.replayed![0].replayOf });
    // The same key again answers the first call; a new call finds nothing open.
    const retry = await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/replay', { ...auth, ...REASON, 'Idempotency-Key': 'bulk-1' }, { filter, priority: 2 });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.replayed).toEqual(real.body.replayed);
    expect((await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/replay', { ...auth, ...REASON }, { filter, dryRun: true })).body.matched).toBe(0);
    expect((await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/replay', { ...auth, ...REASON }, { filter })).body).toMatchObject({ matched: 0, replayed: [], skipped: [] });
    expect((await stack.get<DeadLetterPage>('/api/v1/dead-letters?jobType=rp.bulk&replayed=true', TENANT)).body.items).toHaveLength(5);

    const purgeDry = await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/purge', { ...auth, ...REASON }, { filter: { jobType: 'rp.bulk' }, dryRun: true });
    expect(purgeDry.body.matched).toBe(6);
    const purged = await send<BulkDeadLetterResult>(stack, 'POST', '/api/v1/dead-letters/purge', { ...auth, ...REASON }, { filter: { jobType: 'rp.bulk' } });
    expect(purged.body.purged).toHaveLength(6);
    expect((await stack.get<DeadLetterPage>('/api/v1/dead-letters?jobType=rp.bulk', TENANT)).body.items).toEqual([]);
    expectProblem(await send(stack, 'POST', '/api/v1/dead-letters/purge', { ...auth, ...REASON }, { filter: { tenant: OTHER } }), 400, 'validation_failed');
  });
});
