import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import {
  DispatchMessage,
  Envelope,
  FailResult,
  LeaseCommandResult,
  LeaseResult,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { parseEnv, RunningService } from '@orch/service-kit';
import {
  createTestDatabase,
  createTestNamespace,
  ServiceProcess,
  startService,
  TEST_NATS_URL,
  TestDatabase,
  TestNamespace,
  waitFor,
} from '@orch/testing';
import { Client } from 'pg';
import { SchedulerConfig } from '../config';
import { startScheduler } from '../start-scheduler';
import { AdmissionService } from './admission.service';

/** Long, so that only the queued-event trigger and the next-due timer can explain prompt dispatches. */
const POLL_MS = 5_000;
/** Small, so that bursts take several full batches (the "repeat while full" path). */
const BATCH = 25;
const BACKOFF_BASE_MS = 1_000;
/** How late after its due time a job may be dispatched; far below POLL_MS. */
const PROMPT_MS = 1_000;

const key = (jobId: string, attempt: number) => `${jobId}:${attempt}`;

// The integration project's testTimeout does not reach the tests (Jest reads it globally only).

/**
 * Every dispatch message, counted two ways: as stored in the DISPATCH stream
 * (after JetStream's Nats-Msg-Id deduplication) and as published on the wire
 * (before it), so a second admission of the same attempt shows up even though
 * the stream would drop its message.
 */
class DispatchLog {
  readonly stored = new Map<string, { count: number; time: Date }>();
  readonly published = new Map<string, number>();
  private nextSeq = 1;
  private sub?: Subscription;

  constructor(
    private readonly ns: TestNamespace,
    private readonly jsm: JetStreamManager,
  ) {}

  async listen(): Promise<void> {
    this.sub = this.ns.nc.subscribe(this.ns.names.dispatchAll(), {
      callback: (_err, msg) => {
        const d = msg.json<Envelope<DispatchMessage>>().data;
        this.published.set(key(d.jobId, d.attempt), (this.published.get(key(d.jobId, d.attempt)) ?? 0) + 1);
      },
    });
    await this.ns.nc.flush();
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  /** Reads the stream messages stored since the last refresh. */
  async refresh(): Promise<void> {
    const { state } = await this.jsm.streams.info(this.ns.names.streams.dispatch);
    for (; this.nextSeq <= state.last_seq; this.nextSeq++) {
      const sm = await this.jsm.streams.getMessage(this.ns.names.streams.dispatch, { seq: this.nextSeq });
      if (!sm) continue;
      const d = sm.json<Envelope<DispatchMessage>>().data;
      const seen = this.stored.get(key(d.jobId, d.attempt));
      this.stored.set(key(d.jobId, d.attempt), { count: (seen?.count ?? 0) + 1, time: seen?.time ?? sm.time });
    }
  }

  async waitDispatched(keys: string[], what: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(
      async () => {
        await this.refresh();
        return keys.every((k) => this.stored.has(k));
      },
      { timeoutMs, intervalMs: 100, what },
    );
  }

  /** Attempts dispatched more than once, stored or on the wire. */
  duplicates(keys: string[]): string[] {
    return keys.filter((k) => this.stored.get(k)?.count !== 1 || this.published.get(k) !== 1);
  }
}

describe('scheduler admission (real NATS + PostgreSQL; ledger-writer and rate-limiter as processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let client: OrchClient;
  let log: DispatchLog;
  let ledgerWriter: ServiceProcess;
  let rateLimiter: ServiceProcess;
  const schedulers: RunningService[] = [];

  const env = (): Record<string, string> => ({
    DATABASE_URL: db.url,
    NATS_URL: TEST_NATS_URL,
    ORCH_NAMESPACE: ns.names.namespace,
    LOG_LEVEL: 'warn',
    SCHEDULER_POLL_MS: String(POLL_MS),
    SCHEDULER_BATCH: String(BATCH),
    BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
    BACKOFF_JITTER: '0',
  });

  const addScheduler = async (): Promise<void> => {
    // In-process: its expected warnings (the rate-limiter outage) would land in the test output.
    const config = parseEnv(SchedulerConfig, { ...env(), HTTP_PORT: '0', LOG_LEVEL: 'error' });
    schedulers.push(await startScheduler(config, { handleSignals: false }));
  };
  const loops = () => schedulers.map((s) => s.app.get(AdmissionService).loop);

  const submit = async (tenant: string, idempotencyKey: string, extra: { runAt?: string } = {}): Promise<SubmitJobResult> => {
    const body = { tenant, project: 'p1', jobType: 'demo.echo', payload: { idempotencyKey }, ...extra };
    const data: SubmitJobCommand = { ...body, idempotencyKey, requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    return client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant, project: 'p1', correlationId: `corr-${idempotencyKey}`, data });
  };
  const submitMany = (tenants: string[], perTenant: number, prefix: string) =>
    Promise.all(tenants.flatMap((t) => Array.from({ length: perTenant }, (_, i) => submit(t, `${prefix}-${t}-${i}`))));
  const ledger = <T>(verb: string, tenant: string, data: unknown) =>
    client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project: 'p1', correlationId: `corr-${verb}`, data });

  /**
   * Waits until every scheduler has run a whole pass that began after this
   * call and the ledger-writer has relayed everything it committed, so a late
   * duplicate admission would be visible by now.
   */
  const settle = async (): Promise<void> => {
    const marks = loops().map((l) => l.stats.passes);
    await waitFor(
      () => {
        loops().forEach((l) => l.trigger());
        return loops().every((l, i) => l.stats.passes >= marks[i] + 2);
      },
      { what: 'two more passes of every scheduler' },
    );
    await waitFor(async () => (await pg.query('SELECT count(*)::int AS n FROM ledger.outbox')).rows[0].n === 0, { what: 'an empty outbox' });
    await ns.nc.flush();
    await log.refresh();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    ledgerWriter = await startService('ledger-writer', env());
    rateLimiter = await startService('rate-limiter', env());
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    client = new OrchClient(ns.nc, ns.names);
    log = new DispatchLog(ns, await jetstreamManager(ns.nc));
    await log.listen();
    await addScheduler();
  }, 120_000);

  afterAll(async () => {
    for (const s of schedulers) await s.shutdown('test done').catch(() => undefined);
    log?.stop();
    await rateLimiter?.stop().catch(() => undefined);
    await ledgerWriter?.stop().catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await ns?.cleanup().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  }, 60_000);

  it('dispatches every submitted job exactly once, for every tenant', async () => {
    const jobs = await submitMany(['solo-a', 'solo-b', 'solo-c'], 20, 'solo');
    const keys = jobs.map((r) => key(r.job.id, 1));
    await log.waitDispatched(keys, 'every solo job dispatched');
    await settle();
    expect(log.duplicates(keys)).toEqual([]);
  });

  it('dispatches every job exactly once with two scheduler replicas racing', async () => {
    await addScheduler();
    const jobs = await submitMany(['duo-a', 'duo-b', 'duo-c'], 50, 'duo');
    const keys = jobs.map((r) => key(r.job.id, 1));
    await log.waitDispatched(keys, 'every duo job dispatched');
    await settle();
    expect(log.duplicates(keys)).toEqual([]);
    expect(loops().every((l) => l.stats.failedPasses === 0)).toBe(true);
  });

  it('does not dispatch a job before its runAt, and dispatches it promptly after', async () => {
    const runAt = new Date(Date.now() + 1_500);
    const { job } = await submit('later', 'runat', { runAt: runAt.toISOString() });
    expect(job.status).toBe('pending');
    await log.waitDispatched([key(job.id, 1)], 'the runAt job dispatched');
    const dispatchedAt = log.stored.get(key(job.id, 1))!.time.getTime();
    expect(dispatchedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(dispatchedAt - runAt.getTime()).toBeLessThan(PROMPT_MS);
  });

  it('dispatches a retryable failed job again at attempt 2 only once its backoff has passed', async () => {
    const { job } = await submit('retry', 'fails-once');
    await log.waitDispatched([key(job.id, 1)], 'attempt 1 dispatched');
    const lease = await ledger<LeaseCommandResult>('lease', 'retry', { workerId: 'w1', leaseMs: 30_000, jobs: [{ jobId: job.id, attempt: 1 }] });
    const result = lease.results[0];
    if (!result.ok) throw new Error(`lease refused: ${result.reason}`);
    const fence = { jobId: job.id, leaseId: result.allocation.leaseId, fencingToken: result.allocation.fencingToken };
    await ledger<LeaseResult>('start', 'retry', fence);
    const failed = await ledger<FailResult>('fail', 'retry', { ...fence, error: { code: 'upstream_503', message: 'try later', retryable: true } });
    expect(failed).toMatchObject({ status: 'queued', nextAttempt: 2, backoffMs: BACKOFF_BASE_MS });
    const eligibleAt = new Date(failed.eligibleAt!).getTime();

    await log.waitDispatched([key(job.id, 2)], 'attempt 2 dispatched');
    const dispatchedAt = log.stored.get(key(job.id, 2))!.time.getTime();
    expect(dispatchedAt).toBeGreaterThanOrEqual(eligibleAt);
    expect(dispatchedAt - eligibleAt).toBeLessThan(PROMPT_MS);
    await settle();
    expect(log.duplicates([key(job.id, 1), key(job.id, 2)])).toEqual([]);
  });

  it('holds jobs while the rate-limiter is down and dispatches them once it is back', async () => {
    await rateLimiter.stop();
    const marks = loops().map((l) => l.stats.failedPasses);
    const jobs = await submitMany(['outage'], 5, 'outage');
    const keys = jobs.map((r) => key(r.job.id, 1));
    // The queued events wake every replica, whose admission then fails: no rate-limiter answers.
    await waitFor(() => loops().every((l, i) => l.stats.failedPasses > marks[i]), { what: 'a failed pass on every scheduler' });
    await log.refresh();
    expect(keys.filter((k) => log.stored.has(k) || log.published.has(k))).toEqual([]);

    rateLimiter = await startService('rate-limiter', env());
    await log.waitDispatched(keys, 'outage jobs dispatched after the rate-limiter came back', POLL_MS * 3);
    await settle();
    expect(log.duplicates(keys)).toEqual([]);
  });

  it('runs as a process: ready with NATS and PostgreSQL, alive, and exits 0 on SIGTERM', async () => {
    const proc = await startService('scheduler', env());
    try {
      expect((await fetch(`${proc.baseUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${proc.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { info: unknown }).info).toEqual({ nats: { status: 'up' }, postgres: { status: 'up' } });
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
