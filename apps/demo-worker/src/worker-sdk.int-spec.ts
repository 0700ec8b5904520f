// Integration test of the worker SDK (@orch/sdk-node) against real ledger-writer and
// lease-broker processes. It lives here, in the SDK's reference app, because the SDK
// project itself may only import contracts and domain (module boundaries), not the test kit.
import { jetstreamManager } from '@nats-io/jetstream';
import { AdmitResult, decodeEnvelope, LogLine, OrchError, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { ErrorInfo, JobHandler, JobOutcome, NonRetryableError, OrchWorker, RetryableError } from '@orch/sdk-node';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { sleep } from './handlers';

const TENANT = 'sdk';

describe('worker SDK running jobs through the real lease-broker and ledger-writer', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let services: ServiceProcess[] = [];
  let client: OrchClient;
  const workers: OrchWorker[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      BACKOFF_BASE_MS: '50',
      BACKOFF_MAX_MS: '200',
      OUTBOX_POLL_MS: '100',
      REAPER_INTERVAL_MS: '100',
    };
    services.push(await startService('ledger-writer', env));
    services.push(await startService('lease-broker', env));
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 120_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 2_000 })));
  });

  afterAll(async () => {
    for (const s of services.reverse()) await s.stop();
    services = [];
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  function startWorker(handlers: Record<string, JobHandler>, extra: { leaseMs?: number; namespace?: string; onError?: (e: unknown, i: ErrorInfo) => void } = {}) {
    const outcomes: JobOutcome[] = [];
    const worker = new OrchWorker({
      servers: TEST_NATS_URL,
      namespace: extra.namespace ?? ns.names.namespace,
      tenant: TENANT,
      handlers,
      concurrency: 4,
      claimWaitMs: 1_000,
      leaseMs: extra.leaseMs,
      onError: extra.onError ?? (() => undefined),
      onJobEnd: (o) => outcomes.push(o),
    });
    workers.push(worker);
    return { worker, outcomes, started: worker.start() };
  }

  async function submit(jobType: string, payload: Record<string, unknown> = {}, maxAttempts = 3): Promise<SubmitJobResult['job']> {
    const body = { tenant: TENANT, project: 'p1', jobType, payload, maxAttempts };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const r = await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant: TENANT, project: 'p1', correlationId: randomUUID(), data });
    return r.job;
  }

  /** Stands in for the scheduler: admits the attempt once the job is queued at it. */
  async function admitWhenQueued(jobId: string, attempt: number): Promise<void> {
    await waitFor(async () => {
      const row = await jobRow(jobId);
      return row.status === 'queued' && row.attempt === attempt;
    }, { what: `job ${jobId} queued at attempt ${attempt}` });
    const r = await client.command<AdmitResult>('ledger-writer', 'admit', {
      type: 'ledger.admit',
      tenant: TENANT,
      project: '*',
      correlationId: randomUUID(),
      data: { jobs: [{ jobId, attempt }] },
    });
    expect(r.admitted).toEqual([jobId]);
  }

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  async function terminal(id: string): Promise<Record<string, unknown>> {
    return waitFor(async () => {
      const row = await jobRow(id);
      return ['succeeded', 'failed', 'canceled', 'timed_out'].includes(row.status as string) ? row : null;
    }, { timeoutMs: 20_000, what: `job ${id} terminal` });
  }

  async function eventTypes(id: string): Promise<string[]> {
    const { rows } = await pg.query(`SELECT event_type FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [id]);
    return rows.map((r) => r.event_type as string);
  }

  it('runs a job to success and stores its result, leased to this worker', async () => {
    const { worker, started } = startWorker({ 'sdk.ok': (ctx) => ({ doubled: (ctx.payload['n'] as number) * 2 }) });
    await started;
    const job = await submit('sdk.ok', { n: 21 });
    await admitWhenQueued(job.id, 1);
    expect(await terminal(job.id)).toMatchObject({ status: 'succeeded', attempt: 1, result: { doubled: 42 }, worker_id: worker.workerId });
    expect(await eventTypes(job.id)).toEqual(['job.created', 'job.queued', 'job.leased', 'job.running', 'job.succeeded']);
    expect(worker.workerId).toContain(`-${process.pid}-`);
  });

  it('runs a second attempt after a retryable throw', async () => {
    const attempts: number[] = [];
    const { started, outcomes } = startWorker({
      'sdk.retry': (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new RetryableError('upstream_busy', 'try again later');
        return { attempt: ctx.attempt };
      },
    });
    await started;
    const job = await submit('sdk.retry', {}, 3);
    await admitWhenQueued(job.id, 1);
    await admitWhenQueued(job.id, 2);
    expect(await terminal(job.id)).toMatchObject({ status: 'succeeded', attempt: 2, result: { attempt: 2 } });
    expect(attempts).toEqual([1, 2]);
    expect(outcomes.map((o) => o.kind)).toEqual(['failed', 'completed']);
    const { rows } = await pg.query(`SELECT data FROM ledger.job_events WHERE job_id = $1 AND event_type = 'job.queued' ORDER BY seq DESC LIMIT 1`, [job.id]);
    expect(rows[0].data).toMatchObject({ failedAttempt: 1, error: { code: 'upstream_busy', retryable: true } });
  });

  it('fails a job at once, with attempts left, on a NonRetryableError', async () => {
    const { started } = startWorker({
      'sdk.bad': () => {
        throw new NonRetryableError('bad_input', 'payload cannot be processed');
      },
    });
    await started;
    const job = await submit('sdk.bad', {}, 5);
    await admitWhenQueued(job.id, 1);
    const row = await terminal(job.id);
    expect(row).toMatchObject({ status: 'failed', attempt: 1, status_reason: 'non_retryable' });
    expect(row.last_error).toMatchObject({ code: 'bad_input', retryable: false });
    const { rows } = await pg.query(`SELECT job_id FROM ledger.dead_letters WHERE job_id = $1`, [job.id]);
    expect(rows).toHaveLength(1);
  });

  it('keeps a job alive with heartbeats well past its lease duration', async () => {
    const { started } = startWorker({ 'sdk.long': async (ctx) => (await sleep(3_500, ctx.signal), 'done') }, { leaseMs: 1_000 });
    await started;
    const job = await submit('sdk.long');
    await admitWhenQueued(job.id, 1);
    await waitFor(async () => (await jobRow(job.id)).status === 'running', { what: 'job running' });
    const row = await terminal(job.id);
    expect(row).toMatchObject({ status: 'succeeded', attempt: 1, result: 'done' });
    const startedAt = Date.parse(String((row.started_at as Date).toISOString()));
    expect(Date.parse((row.finished_at as Date).toISOString()) - startedAt).toBeGreaterThan(3_000);
    expect(await eventTypes(job.id)).not.toContain('job.failed');
    expect((await eventTypes(job.id)).filter((t) => t === 'job.queued')).toHaveLength(1);
  });

  it('publishes log lines to the LOGS stream on the job subject', async () => {
    const { started } = startWorker({
      'sdk.logs': async (ctx) => {
        await ctx.log('info', 'first line');
        await ctx.log('warn', 'second line');
        return null;
      },
    });
    await started;
    const job = await submit('sdk.logs');
    await admitWhenQueued(job.id, 1);
    await terminal(job.id);
    const jsm = await jetstreamManager(ns.nc);
    const subject = ns.names.log(TENANT, job.id);
    const last = await jsm.streams.getMessage(ns.names.streams.logs, { last_by_subj: subject });
    const env = decodeEnvelope(last!.data);
    expect(env).toMatchObject({ type: 'job.log', tenant: TENANT, project: 'p1', jobType: 'sdk.logs' });
    expect(env.data as LogLine).toMatchObject({ jobId: job.id, attempt: 1, level: 'warn', message: 'second line' });
    const info = await jsm.streams.info(ns.names.streams.logs, { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(2);
  });

  it('lets a running job finish before stop() resolves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    const { worker, started } = startWorker({
      'sdk.graceful': async () => {
        entered();
        await gate;
        return 'finished';
      },
    });
    await started;
    const job = await submit('sdk.graceful');
    await admitWhenQueued(job.id, 1);
    await running;
    let stopped = false;
    const stopping = worker.stop({ graceMs: 15_000 }).then(() => (stopped = true));
    expect(worker.inFlight).toBe(1);
    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', result: 'finished' });
  });

  it('backs off and keeps trying when no lease-broker answers', async () => {
    const errors: { code?: string; phase: string }[] = [];
    const { started } = startWorker(
      { 'sdk.none': () => null },
      { namespace: `${ns.names.namespace}x`, onError: (e, i) => errors.push({ code: (e as OrchError).code, phase: i.phase }) },
    );
    await started;
    await waitFor(() => errors.length >= 2, { what: 'two failed claims' });
    expect(errors.slice(0, 2)).toEqual([
      { phase: 'claim', code: 'unavailable' },
      { phase: 'claim', code: 'unavailable' },
    ]);
  });
});
