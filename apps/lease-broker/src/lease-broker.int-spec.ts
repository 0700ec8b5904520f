import { jetstreamManager } from '@nats-io/jetstream';
import {
  AdmitResult,
  Allocation,
  ClaimRequest,
  ClaimResult,
  CompleteResult,
  LeaseResult,
  OrchError,
  SubmitJobCommand,
  SubmitJobResult,
  WorkerVerb,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { dispatchDurableName } from './dispatch/dispatch-buffer';
import { Client } from 'pg';

const TENANT = 'acme';
const TERMINAL = ['job.succeeded', 'job.failed', 'job.canceled', 'job.timed_out'];

describe('lease-broker serving the worker protocol against a real ledger-writer', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let ledger: ServiceProcess;
  let broker: ServiceProcess;
  let client: OrchClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    env = {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      BACKOFF_BASE_MS: '50',
      BACKOFF_MAX_MS: '200',
      OUTBOX_POLL_MS: '100',
      REAPER_INTERVAL_MS: '100',
    };
    ledger = await startService('ledger-writer', env);
    broker = await startService('lease-broker', env);
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await ledger?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  async function submit(jobType: string, payload: Record<string, unknown> = {}, maxAttempts = 3): Promise<SubmitJobResult['job']> {
    const body = { tenant: TENANT, project: 'p1', jobType, payload, maxAttempts };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const r = await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant: TENANT, project: 'p1', correlationId: `corr-${data.idempotencyKey}`, data });
    return r.job;
  }

  /** Stands in for the scheduler: admits attempts, which publishes their dispatch messages. */
  async function admit(jobs: { id: string; attempt: number }[]): Promise<AdmitResult> {
    return client.command<AdmitResult>('ledger-writer', 'admit', {
      type: 'ledger.admit',
      tenant: TENANT,
      project: '*',
      correlationId: randomUUID(),
      data: { jobs: jobs.map((j) => ({ jobId: j.id, attempt: j.attempt })) },
    });
  }

  function worker<T>(verb: WorkerVerb, workerId: string, data: object, opts: { tenant?: string; subjectTenant?: string; timeoutMs?: number } = {}): Promise<T> {
    const tenant = opts.tenant ?? TENANT;
    return client.request<T>(
      ns.names.worker(opts.subjectTenant ?? tenant, verb),
      { type: `worker.${verb}`, tenant, project: '*', correlationId: randomUUID(), taskRunnerId: workerId, data },
      { timeoutMs: opts.timeoutMs ?? 15_000 },
    );
  }

  function claim(workerId: string, req: Omit<ClaimRequest, 'workerId'>): Promise<ClaimResult> {
    return worker<ClaimResult>('claim', workerId, { workerId, ...req }, { timeoutMs: (req.waitMs ?? 0) + 15_000 });
  }

  const fence = (a: Allocation) => ({ jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken });

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  async function eventTypes(id: string): Promise<string[]> {
    const { rows } = await pg.query(`SELECT event_type FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [id]);
    return rows.map((r) => r.event_type as string);
  }

  async function refusal(p: Promise<unknown>): Promise<OrchError> {
    const outcome = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(OrchError);
    return outcome as OrchError;
  }

  it('hands out an allocation with lease id, fencing token, lease duration, attempt, idempotency key and retry hint', async () => {
    const job = await submit('it.alloc', { n: 1 }, 4);
    await admit([job]);
    const { allocations } = await claim('w-alloc', { jobTypes: ['it.alloc'], max: 5, waitMs: 10_000, leaseMs: 20_000 });
    expect(allocations).toHaveLength(1);
    const a = allocations[0];
    expect(a).toMatchObject({
      jobId: job.id,
      tenant: TENANT,
      project: 'p1',
      jobType: 'it.alloc',
      attempt: 1,
      maxAttempts: 4,
      fencingToken: 1,
      leaseMs: 20_000,
      idempotencyKey: `orch-${job.id}-1`,
      payload: { n: 1 },
      retryHint: { attemptsLeft: 3, backoffBaseMs: 50, backoffMaxMs: 200 },
    });
    expect(a.leaseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.heartbeatMs).toBeGreaterThan(0);
    expect(a.heartbeatMs).toBeLessThan(20_000);
    expect(a.retryHint.nextBackoffMs).toBeGreaterThan(0);
    expect(Date.parse(a.leaseExpiresAt)).toBeGreaterThan(Date.now() + 10_000);
    expect(await jobRow(job.id)).toMatchObject({ status: 'leased', worker_id: 'w-alloc', lease_id: a.leaseId });
  });

  it('answers a claim for an empty job type at once when it does not ask to wait', async () => {
    const started = Date.now();
    await expect(claim('w-empty', { jobTypes: ['it.nothing'], max: 3 })).resolves.toEqual({ allocations: [] });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('holds a waiting claim open and answers it when a job is admitted during the wait', async () => {
    const waiting = claim('w-wait', { jobTypes: ['it.other', 'it.wait'], max: 2, waitMs: 20_000 });
    let answered = false;
    void waiting.finally(() => (answered = true));
    const job = await submit('it.wait');
    expect(answered).toBe(false);
    const started = Date.now();
    await admit([job]);
    const { allocations } = await waiting;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(allocations.map((a) => a.jobId)).toEqual([job.id]);
  });

  it('runs a job through start, heartbeat (extending the lease), progress and complete to succeeded', async () => {
    const job = await submit('it.life', { x: 1 });
    await admit([job]);
    const [a] = (await claim('w-life', { jobTypes: ['it.life'], max: 1, waitMs: 10_000, leaseMs: 5_000 })).allocations;
    const started = await worker<LeaseResult>('start', 'w-life', fence(a));
    expect(started.cancelRequested).toBe(false);
    expect((await jobRow(job.id)).status).toBe('running');

    const beat = await worker<LeaseResult>('heartbeat', 'w-life', { ...fence(a), leaseMs: 60_000 });
    expect(Date.parse(beat.leaseExpiresAt)).toBeGreaterThan(Date.parse(a.leaseExpiresAt) + 30_000);
    await worker<LeaseResult>('progress', 'w-life', { ...fence(a), percent: 40, message: 'halfway-ish' });
    expect(await jobRow(job.id)).toMatchObject({ progress_percent: 40, progress_message: 'halfway-ish' });

    const done = await worker<CompleteResult>('complete', 'w-life', { ...fence(a), result: { ok: true } });
    expect(done.status).toBe('succeeded');
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', result: { ok: true } });
    expect(await eventTypes(job.id)).toEqual(['job.created', 'job.queued', 'job.leased', 'job.running', 'job.progress', 'job.succeeded']);
  });

  it('refuses a request whose envelope tenant differs from the tenant in its subject, and changes nothing', async () => {
    const job = await submit('it.tenant');
    await admit([job]);
    const [a] = (await claim('w-tenant', { jobTypes: ['it.tenant'], max: 1, waitMs: 10_000 })).allocations;

    const claimErr = await refusal(worker('claim', 'w-x', { workerId: 'w-x', jobTypes: ['it.tenant'], max: 1 }, { tenant: TENANT, subjectTenant: 'intruder' }));
    expect(claimErr).toMatchObject({ code: 'validation_failed', status: 400, message: 'tenant in subject and envelope differ' });
    const completeErr = await refusal(worker('complete', 'w-tenant', { ...fence(a), result: {} }, { tenant: TENANT, subjectTenant: 'intruder' }));
    expect(completeErr).toMatchObject({ code: 'validation_failed', message: 'tenant in subject and envelope differ' });
    expect((await jobRow(job.id)).status).toBe('leased');
  });

  it('never hands one dispatched job to two claims, and leaves the dispatch stream empty', async () => {
    const jobs = await Promise.all(Array.from({ length: 30 }, (_, i) => submit('it.many', { i })));
    await admit(jobs);
    const seen: string[] = [];
    await waitFor(
      async () => {
        const batches = await Promise.all(['w1', 'w2', 'w3'].map((w) => claim(w, { jobTypes: ['it.many'], max: 7, waitMs: 1_000 })));
        for (const b of batches) seen.push(...b.allocations.map((a) => a.jobId));
        return seen.length >= jobs.length;
      },
      { timeoutMs: 30_000, what: 'every job claimed' },
    );
    expect(seen).toHaveLength(jobs.length);
    expect(new Set(seen)).toEqual(new Set(jobs.map((j) => j.id)));
    const jsm = await jetstreamManager(ns.nc);
    await waitFor(async () => (await jsm.streams.info(ns.names.streams.dispatch)).state.messages === 0, { what: 'dispatch messages acked' });
  });

  it('expires a lease that is not heartbeated; the retry goes to another worker with a higher fencing token and the late complete is refused', async () => {
    const job = await submit('it.reap', { r: 1 }, 3);
    await admit([job]);
    const [first] = (await claim('w-first', { jobTypes: ['it.reap'], max: 1, waitMs: 10_000, leaseMs: 1_000 })).allocations;
    await worker('start', 'w-first', fence(first));

    // No heartbeat: the reaper expires the lease and the job goes back to queued for attempt 2.
    const requeued = await waitFor(
      async () => {
        const row = await jobRow(job.id);
        return row.status === 'queued' && row.attempt === 2 ? row : null;
      },
      { timeoutMs: 15_000, what: 'lease expired and job re-queued' },
    );
    expect(requeued.status_reason).toBe('lease_expired');
    const { rows } = await pg.query(`SELECT data FROM ledger.job_events WHERE job_id = $1 AND event_type = 'job.queued' ORDER BY seq DESC LIMIT 1`, [job.id]);
    expect(rows[0].data).toMatchObject({ reason: 'lease_expired', failedAttempt: 1 });

    await admit([{ id: job.id, attempt: 2 }]);
    const [second] = (await claim('w-second', { jobTypes: ['it.reap'], max: 1, waitMs: 10_000, leaseMs: 30_000 })).allocations;
    expect(second).toMatchObject({ jobId: job.id, attempt: 2 });
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
    expect(second.leaseId).not.toBe(first.leaseId);

    const late = await refusal(worker('complete', 'w-first', { ...fence(first), result: { late: true } }));
    expect(late).toMatchObject({ code: 'stale_lease', status: 409 });
    expect((await eventTypes(job.id)).filter((t) => TERMINAL.includes(t))).toEqual([]);

    await worker('complete', 'w-second', { ...fence(second), result: { second: true } });
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', result: { second: true }, worker_id: 'w-second' });
    expect((await eventTypes(job.id)).filter((t) => TERMINAL.includes(t))).toEqual(['job.succeeded']);
  });

  it('gives buffered dispatch messages back when it shuts down, so a replica pulling the same jobs serves them at once', async () => {
    const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => submit('it.handover', { i })));
    await admit(jobs);
    const claimed: string[] = [];
    const take = async (workerId: string, waitMs: number) =>
      claimed.push(...(await claim(workerId, { jobTypes: ['it.handover'], max: 1, waitMs })).allocations.map((a) => a.jobId));
    await take('w-h1', 10_000);
    expect(claimed).toHaveLength(1);
    // The other nine sit delivered-but-unacked in this broker's buffer.
    const jsm = await jetstreamManager(ns.nc);
    const consumer = () => jsm.consumers.info(ns.names.streams.dispatch, dispatchDurableName(TENANT, 'it.handover'));
    await waitFor(async () => (await consumer()).num_ack_pending === 9, { what: 'nine buffered' });

    // A second replica starts pulling the same jobs (claims land on either replica).
    const replacement = await startService('lease-broker', env);
    await waitFor(
      async () => {
        await take('w-h2', 0);
        return (await consumer()).num_waiting >= 2;
      },
      { what: 'both replicas pulling' },
    );
    expect(claimed.length).toBeLessThan(jobs.length);

    expect(await broker.stop()).toBe(0);
    broker = replacement;
    const stoppedAt = Date.now();
    await waitFor(
      async () => {
        await take('w-h3', 1_000);
        return claimed.length >= jobs.length;
      },
      { timeoutMs: 20_000, what: 'the handed-over jobs' },
    );
    // Well inside the 30 s ack wait: they were given back, not left to time out.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(claimed.sort()).toEqual(jobs.map((j) => j.id).sort());
  }, 60_000);

  // Runs last: it stops the broker.
  it('answers a long-polling claim promptly when it shuts down, and exits cleanly', async () => {
    const waiting = claim('w-shutdown', { jobTypes: ['it.shutdown'], max: 1, waitMs: 25_000 });
    // The claim has reached the broker once it created the key's durable consumer.
    const jsm = await jetstreamManager(ns.nc);
    await waitFor(() => jsm.consumers.info(ns.names.streams.dispatch, dispatchDurableName(TENANT, 'it.shutdown')).then(() => true), {
      what: 'dispatch consumer of the waiting claim',
    });
    const started = Date.now();
    const exit = broker.stop();
    await expect(waiting).resolves.toEqual({ allocations: [] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exit).toBe(0);
  });
});
