import {
  LeaseCommandResult,
  OperatorContext,
  OrchError,
  PurgeDeadLettersResult,
  ReplayJobsResult,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf, verifyChain } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createLedgerDataSource, LedgerReader } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const TENANT = 'rp';
const operator: OperatorContext = { subject: 'alice@example.com', scopes: ['orch:operate'], reason: 'upstream fixed', ticket: 'INC-7' };

describe('ledger-writer replay and dead-letter purge (real process, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let ledger: ServiceProcess;
  let client: OrchClient;
  const reader = new LedgerReader();

  beforeAll(async () => {
    db = await createTestDatabase('orch_replay');
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

  const command = <T>(verb: string, data: object, tenant = TENANT): Promise<T> =>
    client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project: '*', correlationId: randomUUID(), data });

  async function submit(payload: Record<string, unknown>, opts: { tenant?: string; maxAttempts?: number; source?: string } = {}): Promise<SubmitJobResult['job']> {
    const tenant = opts.tenant ?? TENANT;
    const body = { tenant, project: 'p1', jobType: 'feed.fetch', payload, priority: 3, maxAttempts: opts.maxAttempts ?? 1, ...(opts.source ? { source: opts.source } : {}) };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    return (await command<SubmitJobResult>('submit', data, tenant)).job;
  }

  /** Runs a job's one attempt through the ledger and fails it for good: it lands in the dead-letter set. */
  async function deadLetter(payload: Record<string, unknown>, code = 'upstream_503', tenant = TENANT): Promise<string> {
    const job = await submit(payload, { tenant, source: 'nvd.nist.gov' });
    await command('admit', { jobs: [{ jobId: job.id, attempt: 1 }] }, tenant);
    const lease = (await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 30_000, jobs: [{ jobId: job.id, attempt: 1 }] }, tenant)).results[0];
    if (!lease.ok) throw new Error(`lease refused: ${lease.reason}`);
    const fence = { jobId: job.id, leaseId: lease.allocation.leaseId, fencingToken: lease.allocation.fencingToken };
    await command('start', fence, tenant);
    await command('fail', { ...fence, error: { code, message: `upstream answered ${code.slice(-3)} for ${job.id}`, retryable: false } }, tenant);
    return job.id;
  }

  const refusal = async (p: Promise<unknown>): Promise<OrchError> => {
    const outcome = await p.then(() => null, (err: unknown) => err);
    expect(outcome).toBeInstanceOf(OrchError);
    return outcome as OrchError;
  };
  const counts = async () =>
    (await ds.query(`SELECT (SELECT count(*)::int FROM ledger.jobs) AS jobs, (SELECT count(*)::int FROM ledger.job_events) AS events, (SELECT count(*)::int FROM ledger.audit_log) AS audit, (SELECT count(*)::int FROM ledger.dead_letters) AS dead`))[0];

  it('replays one finished job as a new queued job with replayOf, the same type, source and maxAttempts, audited on the original', async () => {
    const original = await deadLetter({ feed: 'cve-2026' });
    const res = await command<ReplayJobsResult>('replay', { jobIds: [original], operator });
    expect(res.created).toBe(true);
    expect(res.skipped).toEqual([]);
    const [made] = res.replayed;
    expect(made).toMatchObject({ replayOf: original, status: 'queued' });
    const clone = await reader.getJob(ds, TENANT, made.jobId);
    expect(clone).toMatchObject({ replayOf: original, jobType: 'feed.fetch', source: 'nvd.nist.gov', priority: 3, maxAttempts: 1, attempt: 1, payload: { feed: 'cve-2026' }, status: 'queued' });
    const [audit] = await ds.query(`SELECT action, target_type, target_id, reason, ticket, before, after FROM ledger.audit_log WHERE tenant = $1 AND action = 'job.replay' AND target_id = $2`, [TENANT, original]);
    expect(audit).toMatchObject({ target_type: 'job', reason: operator.reason, ticket: operator.ticket, after: { replayJobId: made.jobId, payloadEdited: false, priority: 3 } });
    expect(audit.after.payload).toBeUndefined();
    // The dead letter records its replay.
    const [dl] = await ds.query(`SELECT replayed_as FROM ledger.dead_letters WHERE job_id = $1`, [original]);
    expect(dl.replayed_as).toBe(made.jobId);
    // The replay's events open its own history (created → queued) and the audit chain still verifies.
    const replayEvents = await ds.query(`SELECT event_type, data FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [made.jobId]);
    expect(replayEvents.map((e: { event_type: string }) => e.event_type)).toEqual(['job.created', 'job.queued']);
    const entries = await reader.listTenantAudit(ds, TENANT, 0, 10_000);
    expect(verifyChain(entries)).toMatchObject({ ok: true, count: entries.length });
  });

  it('replays with an edited payload and another priority, recording the edit whole in the audit entry', async () => {
    const original = await deadLetter({ feed: 'old' });
    const res = await command<ReplayJobsResult>('replay', { jobIds: [original], payload: { feed: 'fixed', since: '2026-12-01' }, priority: 8, operator });
    const clone = await reader.getJob(ds, TENANT, res.replayed[0].jobId);
    expect(clone).toMatchObject({ payload: { feed: 'fixed', since: '2026-12-01' }, priority: 8, replayOf: original });
    const [audit] = await ds.query(`SELECT before, after FROM ledger.audit_log WHERE action = 'job.replay' AND target_id = $1`, [original]);
    expect(audit.after).toMatchObject({ payloadEdited: true, payload: { feed: 'fixed', since: '2026-12-01' }, payloadDigest: digestOf({ feed: 'fixed', since: '2026-12-01' }) });
    expect(audit.before).toMatchObject({ payloadDigest: digestOf({ feed: 'old' }), status: 'failed' });
  });

  it('refuses to replay a job that has not finished (409) or is another tenant\'s (404), and changes nothing', async () => {
    const queued = await submit({ still: 'queued' });
    const foreign = await deadLetter({ other: true }, 'x_500', 'rp-other');
    const before = await counts();
    expect((await refusal(command('replay', { jobIds: [queued.id], operator }))).code).toBe('invalid_transition');
    expect((await refusal(command('replay', { jobIds: [foreign], operator }))).code).toBe('not_found');
    expect((await refusal(command('replay', { jobIds: [queued.id, foreign], payload: { a: 1 }, operator }))).code).toBe('validation_failed');
    expect(await counts()).toEqual(before);
  });

  it('bulk-replays dead letters once: already replayed, unfinished and foreign jobs are skipped with reasons', async () => {
    const a = await deadLetter({ n: 1 });
    const b = await deadLetter({ n: 2 });
    const first = await command<ReplayJobsResult>('replay', { jobIds: [a], deadLettersOnly: true, operator });
    expect(first.replayed.map((r) => r.replayOf)).toEqual([a]);
    const queued = await submit({ q: 1 });
    const res = await command<ReplayJobsResult>('replay', { jobIds: [a, b, queued.id, randomUUID()], deadLettersOnly: true, operator });
    expect(res.replayed.map((r) => r.replayOf)).toEqual([b]);
    expect(Object.fromEntries(res.skipped.map((s) => [s.jobId === a ? 'a' : s.jobId === queued.id ? 'queued' : 'unknown', s.reason]))).toEqual({
      a: 'already_replayed',
      queued: 'not_finished',
      unknown: 'not_found',
    });
  });

  it('answers a retried replay with the same key from the record (no second job), and refuses the key with another request', async () => {
    const original = await deadLetter({ idem: 1 });
    const idempotency = { key: 'replay-key-1', scope: 'POST /api/v1/dead-letters/replay', requestDigest: digestOf({ filter: 'x' }) };
    const first = await command<ReplayJobsResult>('replay', { jobIds: [original], deadLettersOnly: true, operator, idempotency });
    const before = await counts();
    const again = await command<ReplayJobsResult>('replay', { jobIds: [randomUUID()], deadLettersOnly: true, operator, idempotency });
    expect(again).toEqual({ ...first, created: false });
    expect(await counts()).toEqual(before);
    const conflict = await refusal(command('replay', { jobIds: [original], operator, idempotency: { ...idempotency, requestDigest: digestOf({ filter: 'y' }) } }));
    expect(conflict.code).toBe('idempotency_conflict');
  });

  it('purges dead letters with an audit entry holding what was removed; the job and its ledger stay', async () => {
    const id = await deadLetter({ purge: 1 });
    const eventsBefore = (await ds.query(`SELECT count(*)::int AS n FROM ledger.job_events WHERE job_id = $1`, [id]))[0].n;
    const res = await command<PurgeDeadLettersResult>('purge-dead-letters', { jobIds: [id, randomUUID()], operator });
    expect(res.purged).toEqual([id]);
    expect(res.skipped).toHaveLength(1);
    expect(await ds.query(`SELECT 1 FROM ledger.dead_letters WHERE job_id = $1`, [id])).toHaveLength(0);
    expect((await reader.getJob(ds, TENANT, id))?.status).toBe('failed');
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger.job_events WHERE job_id = $1`, [id]))[0].n).toBe(eventsBefore);
    const [audit] = await ds.query(`SELECT action, before, after FROM ledger.audit_log WHERE action = 'dead_letter.purge' AND target_id = $1`, [id]);
    expect(audit.before).toMatchObject({ jobId: id, errorCode: 'upstream_503', reason: 'non_retryable' });
    expect(audit.after).toBeNull();
  });
});
