import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Envelope, OrchError, SubmitJobCommand, orchNames } from '@orch/contracts';
import { digestOf, verifyChain } from '@orch/domain';
import { ensureStreams, makeEnvelope } from '@orch/messaging';
import { createLedgerDataSource, LedgerReader, LedgerRepository, runLedgerMigrations } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { DataSource } from 'typeorm';
import { GroupCommitter } from './group-commit';
import { OutboxRelay } from './outbox-relay';

const policy = { backoff: { baseMs: 100, maxMs: 1000, jitter: 0.5 }, heartbeatFraction: 1 / 3, cancelGraceMs: 30_000, random: () => 0.5 };

function submitEnvelope(tenant: string, key: string, payload: Record<string, unknown>, extra: Partial<SubmitJobCommand> = {}): Envelope<unknown> {
  const body = { tenant, project: 'p1', jobType: 'demo.echo', payload, ...extra };
  const data: SubmitJobCommand = { ...body, idempotencyKey: key, requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
  return makeEnvelope({ type: 'ledger.submit', tenant, project: 'p1', correlationId: `corr-${key}`, data });
}

describe('ledger-writer group commit (real PostgreSQL + NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let committer: GroupCommitter;
  const reader = new LedgerReader();

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    ds = createLedgerDataSource({ url: db.url, applicationName: 'test' });
    await ds.initialize();
    await runLedgerMigrations(ds);
    committer = new GroupCommitter(ds, new LedgerRepository(), ns.names, policy, { maxBatch: 64, maxWaitMs: 2 }, () => undefined);
  });

  afterAll(async () => {
    await ds?.destroy();
    await ns?.cleanup();
    await db?.drop();
  });

  it('runs migrations idempotently (a second run applies nothing)', async () => {
    expect(await runLedgerMigrations(ds)).toEqual([]);
  });

  it('commits many concurrent submits in few transactions, each job queued with created+queued events', async () => {
    const before = committer.stats.batches;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => committer.execute<{ created: boolean; job: { id: string; status: string } }>('submit', submitEnvelope('t1', `k${i}`, { i }))),
    );
    expect(results.every((r) => r.created && r.job.status === 'queued')).toBe(true);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(200);
    expect(committer.stats.batches - before).toBeLessThanOrEqual(20);
    const events = await reader.listJobEvents(ds, 't1', results[0].job.id);
    expect(events.map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
  });

  it('returns the same job for the same key and body, and refuses the key with another body', async () => {
    const first = await committer.execute<{ created: boolean; job: { id: string } }>('submit', submitEnvelope('t2', 'same', { a: 1 }));
    const again = await committer.execute<{ created: boolean; job: { id: string } }>('submit', submitEnvelope('t2', 'same', { a: 1 }));
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    await expect(committer.execute('submit', submitEnvelope('t2', 'same', { a: 2 }))).rejects.toMatchObject({ code: 'idempotency_conflict', status: 409 });
    // The same key is free in another tenant.
    const other = await committer.execute<{ created: boolean }>('submit', submitEnvelope('t3', 'same', { a: 2 }));
    expect(other.created).toBe(true);
  });

  it('deduplicates the same key inside one batch', async () => {
    const [a, b] = await Promise.all([
      committer.execute<{ created: boolean; job: { id: string } }>('submit', submitEnvelope('t4', 'dup', { x: 1 })),
      committer.execute<{ created: boolean; job: { id: string } }>('submit', submitEnvelope('t4', 'dup', { x: 1 })),
    ]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
  });

  it('keeps one refused command from failing the rest of its batch', async () => {
    const results = await Promise.allSettled([
      committer.execute('submit', submitEnvelope('t5', 'ok1', { n: 1 })),
      committer.execute('start', makeEnvelope({
        type: 'ledger.start', tenant: 't5', project: 'p1', correlationId: 'c',
        data: { jobId: '0192f0a0-0000-7000-8000-0000000000ff', leaseId: '0192f0a0-0000-7000-8000-0000000000fe', fencingToken: 1 },
      })),
      committer.execute('submit', submitEnvelope('t5', 'ok2', { n: 2 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(OrchError);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('not_found');
  });

  it('delays a job with a future runAt as pending', async () => {
    const runAt = new Date(Date.now() + 60_000).toISOString();
    const r = await committer.execute<{ job: { status: string; runAt: string } }>('submit', submitEnvelope('t6', 'later', {}, { runAt }));
    expect(r.job.status).toBe('pending');
    expect(r.job.runAt).toBe(runAt);
  });

  it('keeps each tenant chain intact and append-only with two writers racing', async () => {
    const second = new GroupCommitter(ds, new LedgerRepository(), ns.names, policy, { maxBatch: 16, maxWaitMs: 0 }, () => undefined);
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? committer : second).execute('submit', submitEnvelope(i % 3 ? 'race1' : 'race2', `r${i}`, { i }))),
    );
    for (const tenant of ['race1', 'race2', 't1']) {
      const events = await reader.listTenantEvents(ds, tenant, 0, 10_000);
      expect(verifyChain(events)).toMatchObject({ ok: true, count: events.length });
    }
    await expect(ds.query(`UPDATE ledger.job_events SET data = '{}' WHERE tenant = 'race1'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM ledger.job_events WHERE tenant = 'race1'`)).rejects.toThrow(/append-only/);
  });

  it('relays the outbox to JetStream exactly once per event id, even when republished', async () => {
    const jsm = await jetstreamManager(ns.nc);
    await ensureStreams(jsm, ns.names);
    const relay = new OutboxRelay(ds, new LedgerRepository(), jetstream(ns.nc), { batchSize: 100, pollMs: 60_000 });
    let total = 0;
    for (;;) {
      const n = await relay.drainOnce();
      total += n;
      if (n === 0) break;
    }
    const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM ledger.job_events`);
    expect(total).toBe(count);
    const info = await jsm.streams.info(ns.names.streams.events);
    expect(info.state.messages).toBe(count);
    // Republishing a relayed event (a crash between publish and delete) is dropped as a duplicate.
    const [ev] = await ds.query(`SELECT id FROM ledger.job_events LIMIT 1`);
    const ack = await jetstream(ns.nc).publish(ns.names.evt('t1', 'demo.echo', 'job.queued'), new TextEncoder().encode('{}'), { msgID: ev.id });
    expect(ack.duplicate).toBe(true);
    expect((await jsm.streams.info(ns.names.streams.events)).state.messages).toBe(count);
    expect(await ds.query(`SELECT count(*)::int AS c FROM ledger.outbox`)).toEqual([{ c: 0 }]);
  });

  it('refuses new commands once stopped, after finishing queued ones', async () => {
    const stopping = new GroupCommitter(ds, new LedgerRepository(), orchNames(ns.names.namespace), policy, { maxBatch: 8, maxWaitMs: 5 }, () => undefined);
    const pending = stopping.execute('submit', submitEnvelope('t7', 'last', {}));
    await stopping.stop();
    await expect(pending).resolves.toMatchObject({ created: true });
    await expect(stopping.execute('submit', submitEnvelope('t7', 'late', {}))).rejects.toMatchObject({ code: 'unavailable' });
    await waitFor(async () => (await reader.listTenantEvents(ds, 't7', 0, 10)).length === 2, { what: 't7 events' });
  });
});
