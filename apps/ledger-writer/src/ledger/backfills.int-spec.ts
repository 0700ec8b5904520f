import {
  AdmitResult,
  ControlBackfillResult,
  CreateBackfillCommand,
  CreateBackfillResult,
  LeaseCommandResult,
  OrchError,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf, verifyChain } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { BackfillStore, createLedgerDataSource, LedgerReader } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const TENANT = 'bf';
const H = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();
const operator = { subject: 'ops@example.com', scopes: ['orch:backfill'], reason: 'refetch after the outage', ticket: 'OPS-1' };

describe('ledger-writer backfills: creation, watermarks, window exclusion, pause/resume/cancel (real process, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let ledger: ServiceProcess;
  let client: OrchClient;
  const reader = new LedgerReader();
  const store = new BackfillStore();

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

  function createBackfill(over: Partial<CreateBackfillCommand> = {}, key = randomUUID(), tenant = TENANT): Promise<CreateBackfillResult> {
    const data: CreateBackfillCommand = {
      backfillId: randomUUID(),
      project: 'p1',
      jobType: 'feed.fetch',
      source: 'src-a',
      from: at(0),
      to: at(4),
      sliceMs: H,
      slice: 'PT1H',
      payload: { feed: 'x' },
      priority: 2,
      maxAttempts: 3,
      operator,
      idempotency: { key, scope: 'POST /api/v1/backfills', requestDigest: digestOf({ from: over.from ?? at(0), to: over.to ?? at(4), source: over.source ?? 'src-a' }) },
      ...over,
    };
    return command<CreateBackfillResult>('create-backfill', data, tenant);
  }

  const control = (backfillId: string, action: 'pause' | 'resume' | 'cancel', tenant = TENANT) => command<ControlBackfillResult>('control-backfill', { backfillId, action, operator }, tenant);

  async function jobsOf(backfillId: string) {
    const rows: { id: string; status: string; window_from: Date; priority: number; throttle: { code: string } | null }[] = await ds.query(
      `SELECT id, status, window_from, priority, throttle FROM ledger.jobs WHERE backfill_id = $1 ORDER BY window_from`,
      [backfillId],
    );
    return rows;
  }

  async function run(jobId: string): Promise<{ jobId: string; leaseId: string; fencingToken: number }> {
    const admitted = await command<AdmitResult>('admit', { jobs: [{ jobId, attempt: 1 }] });
    if (!admitted.admitted.includes(jobId)) throw new Error(`not admitted: ${JSON.stringify(admitted)}`);
    const leased = await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 60_000, jobs: [{ jobId, attempt: 1 }] });
    const r = leased.results[0];
    if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
    const fence = { jobId, leaseId: r.allocation.leaseId, fencingToken: r.allocation.fencingToken };
    await command('start', fence);
    return fence;
  }

  const succeed = async (jobId: string) => command('complete', { ...(await run(jobId)), result: { ok: true } });

  const watermark = (source = 'src-a') => store.watermark(ds, { tenant: TENANT, source, jobType: 'feed.fetch' });

  function submitLive(window: { from: string; to: string } | undefined, source: string | null = 'src-a'): Promise<SubmitJobResult> {
    const body = { project: 'p1', jobType: 'feed.fetch', payload: { live: true }, ...(source ? { source } : {}), ...(window ? { window } : {}) };
    const data: SubmitJobCommand = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    return command<SubmitJobResult>('submit', data);
  }

  it('creates one queued job per slice with its window in payload and row, starts the watermark at from, audits it, and a replay creates nothing', async () => {
    const key = randomUUID();
    const first = await createBackfill({ source: 'src-a' }, key);
    expect(first).toMatchObject({ created: true, slices: 4, createdJobs: 4, skipped: 0 });
    const jobs = await jobsOf(first.backfillId);
    expect(jobs.map((j) => [j.status, new Date(j.window_from).toISOString(), j.priority])).toEqual([0, 1, 2, 3].map((h) => ['queued', at(h), 2]));
    const view = (await reader.getJob(ds, TENANT, jobs[1].id))!;
    expect(view.payload).toEqual({ feed: 'x', window: { from: at(1), to: at(2) } });
    expect(view.windowFrom?.toISOString()).toBe(at(1));
    expect(await watermark()).toEqual(new Date(at(0)));
    const [created] = await ds.query(`SELECT data FROM ledger.job_events WHERE job_id = $1 AND event_type = 'job.created'`, [jobs[0].id]);
    expect(created.data).toMatchObject({ backfillId: first.backfillId, window: { from: at(0), to: at(1) } });
    const audit = await ds.query(`SELECT action, ticket FROM ledger.audit_log WHERE target_id = $1`, [first.backfillId]);
    expect(audit).toEqual([{ action: 'backfill.create', ticket: 'OPS-1' }]);

    const again = await createBackfill({ source: 'src-a' }, key);
    expect(again).toMatchObject({ created: false, backfillId: first.backfillId, createdJobs: 4 });
    // Another key, the same window: every slice is covered by the first backfill's jobs.
    const second = await createBackfill({ source: 'src-a' });
    expect(second).toMatchObject({ created: true, createdJobs: 0, skipped: 4 });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE source = 'src-a'`);
    expect(n).toBe(4);
  });

  it('advances the watermark through succeeded slices without a gap, out of order too', async () => {
    const { backfillId } = await createBackfill({ source: 'src-b' });
    const jobs = await jobsOf(backfillId);
    await succeed(jobs[1].id);
    expect(await watermark('src-b')).toEqual(new Date(at(0)));
    await succeed(jobs[0].id);
    expect(await watermark('src-b')).toEqual(new Date(at(2)));
    await succeed(jobs[3].id);
    expect(await watermark('src-b')).toEqual(new Date(at(2)));
    await succeed(jobs[2].id);
    expect(await watermark('src-b')).toEqual(new Date(at(4)));
    // Once the watermark is past the window, a new backfill over it skips every slice.
    const later = await createBackfill({ source: 'src-b', to: at(6) });
    expect(later).toMatchObject({ slices: 6, createdJobs: 2, skipped: 4 });
  });

  it('never admits a job while one of the same source and job type with an overlapping window is in flight: it waits throttled (window_busy)', async () => {
    // Half of slice 1: the slice is still created (its other half must run), and may not run beside the live job.
    const live = await submitLive({ from: at(1), to: at(1.5) }, 'src-c');
    const liveFence = await run(live.job.id);
    const { backfillId } = await createBackfill({ source: 'src-c' });
    const jobs = await jobsOf(backfillId);
    const overlapping = jobs[1].id;
    const held = await command<AdmitResult>('admit', { jobs: [{ jobId: overlapping, attempt: 1 }, { jobId: jobs[2].id, attempt: 1 }] });
    expect(held).toMatchObject({ admitted: [jobs[2].id], held: [overlapping] });
    const row = (await jobsOf(backfillId))[1];
    expect(row.status).toBe('throttled');
    expect(row.throttle).toMatchObject({ code: 'window_busy' });
    expect(JSON.stringify(row.throttle)).toContain(live.job.id);
    await command('complete', { ...liveFence, result: {} });
    expect((await command<AdmitResult>('admit', { jobs: [{ jobId: overlapping, attempt: 1 }] })).admitted).toEqual([overlapping]);
    // A live job over a window a backfill job holds waits too.
    const live2 = await submitLive({ from: at(1.5), to: at(1.75) }, 'src-c');
    expect(await command<AdmitResult>('admit', { jobs: [{ jobId: live2.job.id, attempt: 1 }] })).toMatchObject({ admitted: [], held: [live2.job.id] });
  });

  it('pause holds its jobs (backfill_paused), resume lets them go, cancel ends the unfinished ones, and a canceled backfill cannot be resumed; another tenant gets not_found', async () => {
    const { backfillId } = await createBackfill({ source: 'src-d' });
    const jobs = await jobsOf(backfillId);
    const running = await run(jobs[0].id);
    expect(await control(backfillId, 'pause')).toMatchObject({ state: 'paused', changed: true });
    expect(await control(backfillId, 'pause')).toMatchObject({ state: 'paused', changed: false });
    expect(await command<AdmitResult>('admit', { jobs: [{ jobId: jobs[1].id, attempt: 1 }] })).toMatchObject({ admitted: [], held: [jobs[1].id] });
    expect((await jobsOf(backfillId))[1].throttle).toMatchObject({ code: 'backfill_paused' });
    // The scheduler no longer offers jobs held for the pause.
    const offered = await reader.findAdmittable(ds, new Date(), 100);
    expect(offered.map((j) => j.id)).not.toContain(jobs[1].id);
    expect(offered.map((j) => j.id)).toContain(jobs[2].id);
    expect(await control(backfillId, 'resume')).toMatchObject({ state: 'active', changed: true });
    expect((await command<AdmitResult>('admit', { jobs: [{ jobId: jobs[1].id, attempt: 1 }] })).admitted).toEqual([jobs[1].id]);

    await expect(control(backfillId, 'cancel', 'other')).rejects.toMatchObject({ code: 'not_found' });
    const canceled = await control(backfillId, 'cancel');
    expect(canceled).toMatchObject({ state: 'canceled', changed: true });
    expect(canceled.cancelRequested).toEqual([running.jobId]);
    expect(new Set(canceled.canceled)).toEqual(new Set([jobs[1].id, jobs[2].id, jobs[3].id]));
    const err = await control(backfillId, 'resume').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'invalid_transition' });
    const actions = await ds.query(`SELECT action FROM ledger.audit_log WHERE target_id = $1 ORDER BY seq`, [backfillId]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['backfill.create', 'backfill.pause', 'backfill.pause', 'backfill.resume', 'backfill.cancel']);
  });

  it('refuses a live job with a window but no source, or a window that ends before it starts, and writes nothing', async () => {
    const [{ before }] = await ds.query(`SELECT count(*)::int AS before FROM ledger.job_events`);
    await expect(submitLive({ from: at(0), to: at(1) }, null)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(submitLive({ from: at(1), to: at(0) })).rejects.toMatchObject({ code: 'validation_failed' });
    const [{ after }] = await ds.query(`SELECT count(*)::int AS after FROM ledger.job_events`);
    expect(after).toBe(before);
    // Every backfill, control and admission above kept the tenant's chain intact.
    expect(verifyChain(await reader.listTenantEvents(ds, TENANT, 0, 10_000))).toMatchObject({ ok: true });
  });
});
