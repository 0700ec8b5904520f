// Cancellation through the worker SDK (@orch/sdk-node) against real ledger-writer and
// lease-broker processes: the lease-broker's cancel notice reaches a running handler as an
// AbortSignal long before the next heartbeat, and a worker that ignores it loses its lease
// at the grace deadline. Lives here for the same reason as worker-sdk.int-spec.ts.
import {
  AdmitResult,
  CancelJobResult,
  OperatorContext,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { JobCanceledError, JobHandler, JobOutcome, OrchWorker } from '@orch/sdk-node';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { sleep } from './handlers';

const TENANT = 'sdkcancel';
const GRACE_MS = 2_000;
const operator: OperatorContext = { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'customer asked', ticket: 'SUP-3' };

describe('worker SDK and operator cancel (real ledger-writer and lease-broker)', () => {
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
      OUTBOX_POLL_MS: '100',
      REAPER_INTERVAL_MS: '100',
      CANCEL_GRACE_MS: String(GRACE_MS),
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

  /** A worker with a 30 s lease: its first heartbeat is 10 s away, so a faster abort can only come from the notice. */
  function startWorker(handlers: Record<string, JobHandler>) {
    const outcomes: JobOutcome[] = [];
    const worker = new OrchWorker({
      servers: TEST_NATS_URL,
      namespace: ns.names.namespace,
      tenant: TENANT,
      handlers,
      concurrency: 2,
      claimWaitMs: 1_000,
      leaseMs: 30_000,
      onError: () => undefined,
      onJobEnd: (o) => outcomes.push(o),
    });
    workers.push(worker);
    return { worker, outcomes, started: worker.start() };
  }

  async function submitAndAdmit(jobType: string): Promise<SubmitJobResult['job']> {
    const body = { tenant: TENANT, project: 'p1', jobType, payload: {} };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const { job } = await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant: TENANT, project: 'p1', correlationId: randomUUID(), data });
    const r = await client.command<AdmitResult>('ledger-writer', 'admit', { type: 'ledger.admit', tenant: TENANT, project: '*', correlationId: randomUUID(), data: { jobs: [{ jobId: job.id, attempt: 1 }] } });
    expect(r.admitted).toEqual([job.id]);
    return job;
  }

  function cancel(jobId: string): Promise<CancelJobResult> {
    return client.command<CancelJobResult>('ledger-writer', 'cancel', { type: 'ledger.cancel', tenant: TENANT, project: '*', correlationId: randomUUID(), data: { jobId, operator } });
  }

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  async function eventTypes(id: string): Promise<string[]> {
    const { rows } = await pg.query(`SELECT event_type FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [id]);
    return rows.map((r) => r.event_type as string);
  }

  async function running(id: string): Promise<void> {
    await waitFor(async () => (await jobRow(id)).status === 'running', { what: `job ${id} running` });
  }

  it('aborts a running handler with a canceled reason within about a second, and the job ends canceled', async () => {
    let abortedAt = 0;
    let reason: unknown;
    let handlerStarted = false;
    const { outcomes, started } = startWorker({
      'sdk.cancel': async (ctx) => {
        handlerStarted = true;
        ctx.signal.addEventListener('abort', () => {
          abortedAt = Date.now();
          reason = ctx.signal.reason;
        });
        await sleep(60_000, ctx.signal);
        return { slept: true };
      },
    });
    await started;
    const job = await submitAndAdmit('sdk.cancel');
    await running(job.id);
    await waitFor(() => handlerStarted, { what: 'handler running' });

    const sentAt = Date.now();
    const r = await cancel(job.id);
    expect(r).toMatchObject({ changed: true, job: { status: 'running' } });
    await waitFor(() => abortedAt > 0, { timeoutMs: 5_000, intervalMs: 10, what: 'handler aborted' });
    expect(abortedAt - sentAt).toBeLessThan(1_500);
    expect(reason).toBeInstanceOf(JobCanceledError);
    expect((reason as JobCanceledError).code).toBe('canceled');

    const row = await waitFor(async () => {
      const j = await jobRow(job.id);
      return j.status === 'canceled' ? j : null;
    }, { what: 'job canceled' });
    expect(row).toMatchObject({ status_reason: 'canceled_by_operator', attempt: 1, last_error: { code: 'canceled', retryable: false } });
    await waitFor(() => outcomes.length === 1, { what: 'job run ended' });
    expect(outcomes[0]).toMatchObject({ kind: 'canceled', jobId: job.id, status: 'canceled' });
    expect(await eventTypes(job.id)).toEqual(['job.created', 'job.queued', 'job.leased', 'job.running', 'job.cancel_requested', 'job.canceled']);
  });

  it('takes the lease of a worker that ignores the cancel at the grace deadline; the job ends canceled, not retried', async () => {
    let release: () => void = () => undefined;
    const stubborn = new Promise<void>((r) => (release = r));
    let sawCancel = false;
    const { outcomes, started } = startWorker({
      'sdk.stubborn': async (ctx) => {
        ctx.signal.addEventListener('abort', () => (sawCancel = ctx.signal.reason instanceof JobCanceledError));
        await stubborn; // ignores the signal
        return { finished: 'too late' };
      },
    });
    await started;
    const job = await submitAndAdmit('sdk.stubborn');
    await running(job.id);

    const r = await cancel(job.id);
    const deadline = Date.parse(r.job.cancel!.deadline!);
    const row = await waitFor(async () => {
      const j = await jobRow(job.id);
      return j.status === 'canceled' ? j : null;
    }, { timeoutMs: GRACE_MS + 10_000, intervalMs: 50, what: 'job canceled at the deadline' });
    expect(sawCancel).toBe(true);
    expect(row).toMatchObject({ status_reason: 'cancel_grace_expired', attempt: 1, lease_id: null });
    expect(new Date(row.finished_at as string).getTime()).toBeGreaterThanOrEqual(deadline);
    expect(await eventTypes(job.id)).toEqual(['job.created', 'job.queued', 'job.leased', 'job.running', 'job.cancel_requested', 'job.canceled']);
    expect((await pg.query(`SELECT 1 FROM ledger.dead_letters WHERE job_id = $1`, [job.id])).rowCount).toBe(0);

    // Its late completion is fenced off: the run ends with its lease lost, the job stays canceled.
    release();
    await waitFor(() => outcomes.length === 1, { what: 'job run ended' });
    expect(outcomes[0]).toMatchObject({ kind: 'lease_lost', jobId: job.id });
    expect((await jobRow(job.id)).status).toBe('canceled');
  });
});
