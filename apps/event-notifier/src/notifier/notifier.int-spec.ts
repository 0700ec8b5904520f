import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Envelope, JobView, makeEnvelope, NotifierEvent } from '@orch/contracts';
import { encodeJson, OrchClient } from '@orch/messaging';
import {
  createTestDatabase,
  createTestNamespace,
  readStream,
  ServiceProcess,
  startService,
  StoredMessage,
  TestAuth,
  TestDatabase,
  TestNamespace,
  waitFor,
  waitForDurableCaughtUp,
} from '@orch/testing';
import { Client } from 'pg';
import { LedgerDriver } from '../int-test-support';

interface LedgerRow {
  id: string;
  tenant: string;
  seq: number;
  job_id: string;
  event_type: string;
  attempt: number;
  data: Record<string, unknown>;
}

describe('event-notifier relays ledger events as orch.event.v1 notifier events (real NATS + PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let ledger: LedgerDriver;
  let auth: TestAuth;
  const jobs: Record<'a' | 'b' | 'c' | 'd', JobView> = {} as never;

  const ledgerRows = async (): Promise<LedgerRow[]> =>
    (await pg.query<LedgerRow>(`SELECT id, tenant, seq::int AS seq, job_id, event_type, attempt, data FROM ledger.job_events ORDER BY tenant, seq`)).rows;
  const notifyMessages = (): Promise<StoredMessage[]> => readStream(ns.nc, ns.names.streams.notify, ns.names.notifyAll());
  const caughtUp = () => waitForDurableCaughtUp(ns.nc, ns.names.streams.events, 'event-notifier');

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    // The event-notifier refuses to start without a JWKS (its SSE route verifies tokens).
    auth = await TestAuth.create();
    const env = { DATABASE_URL: db.url, NATS_URL: 'nats://127.0.0.1:4222', ORCH_NAMESPACE: ns.names.namespace, ...auth.env };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    ledger = new LedgerDriver(new OrchClient(ns.nc, ns.names));

    // A: runs, reports progress twice, succeeds. B: fails once and is retried. C: fails its only attempt.
    jobs.a = await ledger.submit({ tenant: 'acme', project: 'p1', jobType: 'demo.echo', correlationId: 'corr-a' });
    const a = await ledger.runToRunning(jobs.a, 'w-1');
    await ledger.progress(a, 'w-1', 10);
    await ledger.progress(a, 'w-1', 60);
    await ledger.complete(a, 'w-1');
    jobs.b = await ledger.submit({ tenant: 'acme', project: 'p2', jobType: 'demo.other', correlationId: 'corr-b', maxAttempts: 2 });
    const b = await ledger.runToRunning(jobs.b, 'w-2');
    expect(await ledger.fail(b, 'w-2')).toMatchObject({ status: 'queued', nextAttempt: 2 });
    jobs.c = await ledger.submit({ tenant: 'acme', project: 'p1', jobType: 'demo.echo', correlationId: 'corr-c', maxAttempts: 1 });
    const c = await ledger.runToRunning(jobs.c, 'w-3');
    expect(await ledger.fail(c, 'w-3')).toMatchObject({ status: 'failed' });
    jobs.d = await ledger.submit({ tenant: 'globex', project: 'p9', jobType: 'demo.echo', correlationId: 'corr-d' });
  });

  afterAll(async () => {
    await notifier?.stop();
    await ledgerWriter?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it('publishes exactly one notifier message per ledger event, keyed by the ledger event id', async () => {
    const rows = await ledgerRows();
    expect(rows).toHaveLength(7 + 5 + 6 + 2);
    await caughtUp();
    const messages = await notifyMessages();
    expect(messages).toHaveLength(rows.length);
    expect(new Set(messages.map((m) => m.msgId))).toEqual(new Set(rows.map((r) => r.id)));
    for (const m of messages) {
      const ev = m.envelope.data as NotifierEvent;
      expect(m.envelope.id).toBe(m.msgId);
      expect(ev.eventId).toBe(m.msgId);
      expect(m.subject).toBe(ns.names.notify(ev.tenantId, ev.eventType));
    }
  });

  it('carries provenance: tenant, project, jobType, correlationId, and taskRunnerId once a worker is involved', async () => {
    const byJob = groupByJob(await notifyMessages());
    const expectations = [
      { job: jobs.a, worker: 'w-1', types: ['job.created', 'job.queued', 'job.leased', 'job.running', 'job.progress', 'job.progress', 'job.succeeded'] },
      { job: jobs.b, worker: 'w-2', types: ['job.created', 'job.queued', 'job.leased', 'job.running', 'job.queued'] },
      { job: jobs.c, worker: 'w-3', types: ['job.created', 'job.queued', 'job.leased', 'job.running', 'job.failed', 'job.dead_lettered'] },
      { job: jobs.d, worker: undefined, types: ['job.created', 'job.queued'] },
    ];
    for (const { job, worker, types } of expectations) {
      const list = byJob.get(job.id) ?? [];
      expect(list.map((m) => (m.envelope.data as NotifierEvent).eventType)).toEqual(types);
      for (const [i, m] of list.entries()) {
        const ev = m.envelope.data as NotifierEvent;
        expect(m.envelope).toMatchObject({ type: 'orch.event.v1', tenant: job.tenant, project: job.project, correlationId: job.correlationId, jobType: job.jobType });
        expect(ev).toMatchObject({ schemaVersion: 'orch.event.v1', tenantId: job.tenant, projectId: job.project, correlationId: job.correlationId });
        expect(ev.job).toMatchObject({ id: job.id, type: job.jobType, payloadDigest: job.payloadDigest, artifacts: [] });
        // Before the lease (created, first queued) no worker is involved.
        const expectedRunner = i >= 2 ? worker : undefined;
        expect(m.envelope.taskRunnerId).toBe(expectedRunner);
        expect(ev.job.taskRunnerId).toBe(expectedRunner ?? null);
      }
    }
    const leased = byJob.get(jobs.a.id)!.map((m) => m.envelope.data as NotifierEvent).find((e) => e.eventType === 'job.leased')!;
    expect(leased.actor).toEqual({ subject: 'worker:w-1', scopes: [] });
    expect(leased.job).toMatchObject({ status: 'leased', attempt: 1 });
    expect(leased.job.leaseId).toEqual(expect.any(String));
    const created = byJob.get(jobs.a.id)![0].envelope.data as NotifierEvent;
    expect(created.actor).toEqual({ subject: 'api', scopes: [] });
  });

  it('keys transitions orch-{eventType}-{jobId}-{attempt} and progress with the ledger sequence appended', async () => {
    const rows = new Map((await ledgerRows()).map((r) => [r.id, r]));
    const events = (await notifyMessages()).map((m) => m.envelope.data as NotifierEvent);
    for (const ev of events) {
      const row = rows.get(ev.eventId)!;
      expect(ev.ledgerSeq).toBe(row.seq);
      expect(ev.job.attempt).toBe(row.attempt);
      const base = `orch-${row.event_type}-${row.job_id}-${row.attempt}`;
      expect(ev.idempotencyKey).toBe(row.event_type === 'job.progress' ? `${base}-${row.seq}` : base);
    }
    expect(new Set(events.map((e) => e.idempotencyKey)).size).toBe(events.length);
    const retry = events.filter((e) => e.job.id === jobs.b.id && e.eventType === 'job.queued');
    expect(retry.map((e) => e.idempotencyKey)).toEqual([`orch-job.queued-${jobs.b.id}-1`, `orch-job.queued-${jobs.b.id}-2`]);
  });

  it('reports the run duration on job.succeeded and the backoff on a retry', async () => {
    const rows = new Map((await ledgerRows()).map((r) => [r.id, r]));
    const events = (await notifyMessages()).map((m) => m.envelope.data as NotifierEvent);
    const succeeded = events.find((e) => e.eventType === 'job.succeeded')!;
    expect(succeeded.metrics.durationSeconds).toBe((rows.get(succeeded.eventId)!.data['durationMs'] as number) / 1000);
    const [firstQueue, retryQueue] = events.filter((e) => e.job.id === jobs.b.id && e.eventType === 'job.queued');
    expect(firstQueue.metrics.backoffSeconds).toBeNull();
    const backoffMs = rows.get(retryQueue.eventId)!.data['backoffMs'] as number;
    expect(backoffMs).toBeGreaterThan(0);
    expect(retryQueue.metrics.backoffSeconds).toBe(backoffMs / 1000);
    for (const e of events) {
      expect(e.metrics.logStreamLagSeconds).toBeNull();
      if (e !== succeeded) expect(e.metrics.durationSeconds).toBeNull();
      if (e !== retryQueue) expect(e.metrics.backoffSeconds).toBeNull();
    }
  });

  it('drops the republish of a redelivered ledger event as a duplicate', async () => {
    const before = await notifyMessages();
    // The same ledger event stored again under another message id reaches the notifier a second time.
    const [original] = await readStream(ns.nc, ns.names.streams.events, ns.names.evt('acme', 'demo.echo', 'succeeded'));
    await jetstream(ns.nc).publish(original.subject, encodeJson(original.envelope), { msgID: `${original.msgId}-again` });
    const { lastSeq } = await caughtUp();
    expect(lastSeq).toBeGreaterThan(original.seq);
    const after = await notifyMessages();
    expect(after.map((m) => m.msgId)).toEqual(before.map((m) => m.msgId));
  });

  it('terminates malformed ledger events instead of redelivering them, publishes nothing for them, and keeps relaying', async () => {
    const js = jetstream(ns.nc);
    const subject = ns.names.evt('acme', 'demo.echo', 'queued');
    const before = await notifyMessages();
    const badData: Envelope<unknown> = makeEnvelope({ type: 'job.queued', tenant: 'acme', project: 'p1', correlationId: 'corr-bad', data: { event: { id: 'x' } } });
    await js.publish(subject, encodeJson(badData), { msgID: 'malformed-1' });
    // A real ledger event of another tenant, replayed under this tenant's envelope.
    const foreign = (await readStream(ns.nc, ns.names.streams.events, ns.names.evt('globex', 'demo.echo', 'queued')))[0].envelope;
    await js.publish(subject, encodeJson({ ...foreign, tenant: 'acme' }), { msgID: 'malformed-2' });
    const e = await ledger.submit({ tenant: 'acme', project: 'p1', jobType: 'demo.echo', correlationId: 'corr-e' });

    await waitFor(async () => (await notifyMessages()).length === before.length + 2, { what: 'the events of the job submitted after the malformed ones' });
    const after = await notifyMessages();
    expect(after.slice(before.length).map((m) => (m.envelope.data as NotifierEvent).job.id)).toEqual([e.id, e.id]);
    // The transport reports the outcome it chose: term (not retryable), never a nak with redelivery.
    await waitFor(() => (notifier.output().match(/terminating \S+: validation_failed: ledger event/g) ?? []).length === 2, { what: 'two terminations' });
    expect(notifier.output()).toContain('event.tenant globex differs from envelope tenant acme');
    expect(notifier.output()).not.toMatch(/redelivering/);
    const jsm = await jetstreamManager(ns.nc);
    expect((await jsm.consumers.info(ns.names.streams.events, 'event-notifier')).num_redelivered).toBe(0);
    // Terminated messages are settled: nothing stays pending behind them.
    await waitFor(async () => (await jsm.consumers.info(ns.names.streams.events, 'event-notifier')).num_ack_pending === 0, {
      what: 'no message left pending on the notifier consumer',
    });
  });
});

describe('event-notifier keeps each job\'s events in ledger order under a burst (real NATS + PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let auth: TestAuth;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    const env = { DATABASE_URL: db.url, NATS_URL: 'nats://127.0.0.1:4222', ORCH_NAMESPACE: ns.names.namespace, ...auth.env };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
  });

  afterAll(async () => {
    await notifier?.stop();
    await ledgerWriter?.stop();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it('publishes every job\'s events to NOTIFY in ledger order while it relays many jobs\' events at once', async () => {
    const ledger = new LedgerDriver(new OrchClient(ns.nc, ns.names));
    // Many jobs driven at once: their events reach the notifier interleaved and in batches, many in flight together.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const job = await ledger.submit({ tenant: 'burst', project: 'p1', jobType: 'demo.echo', correlationId: `corr-${i}` });
        const a = await ledger.runToRunning(job, `w-${i}`);
        for (const percent of [20, 40, 60, 80]) await ledger.progress(a, `w-${i}`, percent);
        await ledger.complete(a, `w-${i}`);
      }),
    );
    await waitForDurableCaughtUp(ns.nc, ns.names.streams.events, 'event-notifier');
    const messages = await readStream(ns.nc, ns.names.streams.notify, ns.names.notifyAll());
    expect(messages).toHaveLength(40 * 9);
    const outOfOrder = [...groupByJob(messages).entries()]
      .map(([id, list]) => ({ id, seqs: list.map((m) => (m.envelope.data as NotifierEvent).ledgerSeq) }))
      .filter(({ seqs }) => seqs.some((seq, i) => i > 0 && seq < seqs[i - 1]));
    expect(outOfOrder).toEqual([]);
  });
});

function groupByJob(messages: StoredMessage[]): Map<string, StoredMessage[]> {
  const out = new Map<string, StoredMessage[]>();
  // Stream order, not sorted: the notifier publishes each job's events in ledger order.
  for (const m of messages) {
    const id = (m.envelope.data as NotifierEvent).job.id;
    out.set(id, [...(out.get(id) ?? []), m]);
  }
  return out;
}
