import {
  AppendAuditCommand,
  AppendAuditResult,
  CancelJobCommand,
  CancelJobResult,
  LeaseCommandResult,
  LeaseResult,
  OperatorContext,
  OrchError,
  SubmitBatchResult,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf, verifyChain } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createLedgerDataSource, LedgerReader } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const TENANT = 'ops';
const operator: OperatorContext = { subject: 'alice@example.com', scopes: ['orch:read', 'orch:operate'], reason: 'upstream outage', ticket: 'INC-42' };
const CANCEL_SCOPE = 'POST /api/v1/jobs/{id}/cancel';

describe('ledger-writer control-plane commands (real process, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let ledger: ServiceProcess;
  let client: OrchClient;
  const reader = new LedgerReader();

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    ledger = await startService('ledger-writer', {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      OUTBOX_POLL_MS: '100',
      CANCEL_GRACE_MS: '2000',
    });
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

  async function submit(tenant = TENANT, payload: Record<string, unknown> = {}): Promise<SubmitJobResult['job']> {
    const body = { tenant, project: 'p1', jobType: 'demo.echo', payload };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    return (await command<SubmitJobResult>('submit', data, tenant)).job;
  }

  function cancel(jobId: string, extra: Partial<CancelJobCommand> = {}, tenant = TENANT): Promise<CancelJobResult> {
    return command<CancelJobResult>('cancel', { jobId, operator, ...extra }, tenant);
  }

  const cancelKey = (key: string, jobId: string) => ({ key, scope: CANCEL_SCOPE, requestDigest: digestOf({ jobId }) });

  async function refusal(p: Promise<unknown>): Promise<OrchError> {
    const outcome = await p.then(() => null, (err: unknown) => err);
    expect(outcome).toBeInstanceOf(OrchError);
    return outcome as OrchError;
  }

  /** Row counts of everything a command could write. */
  async function ledgerCounts(): Promise<Record<string, number>> {
    const [row] = await ds.query(`SELECT
      (SELECT count(*)::int FROM ledger.jobs) AS jobs,
      (SELECT count(*)::int FROM ledger.job_events) AS events,
      (SELECT count(*)::int FROM ledger.audit_log) AS audit,
      (SELECT count(*)::int FROM ledger.idempotency_keys) AS keys,
      (SELECT count(*)::int FROM ledger.dead_letters) AS dead`);
    return row;
  }

  async function auditChainVerifies(tenant: string): Promise<void> {
    const entries = await reader.listTenantAudit(ds, tenant, 0, 10_000);
    const verdict = verifyChain(entries);
    expect(verdict).toMatchObject({ ok: true, count: entries.length });
    expect(await reader.auditHead(ds, tenant)).toEqual({ seq: entries.length, hash: verdict.ok ? verdict.head : '' });
  }

  it('cancels a queued job: job.canceled event, an audit entry with reason, ticket, before and after, and a verifiable audit chain', async () => {
    const job = await submit();
    const r = await cancel(job.id);
    expect(r).toMatchObject({ changed: true, job: { id: job.id, status: 'canceled', statusReason: 'canceled_by_operator' } });

    const events = await reader.listJobEvents(ds, TENANT, job.id);
    expect(events.map((e) => e.eventType)).toEqual(['job.created', 'job.queued', 'job.canceled']);
    expect(events[2]).toMatchObject({ actor: { subject: operator.subject, scopes: operator.scopes }, data: { reason: 'canceled_by_operator', operatorReason: 'upstream outage', ticket: 'INC-42' } });

    const { entries } = await reader.listAudit(ds, { tenant: TENANT, targetType: 'job', targetId: job.id, pageSize: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      project: 'p1',
      action: 'job.cancel',
      actor: { subject: operator.subject, scopes: operator.scopes },
      reason: 'upstream outage',
      ticket: 'INC-42',
      before: { status: 'queued', finishedAt: null },
      after: { status: 'canceled', statusReason: 'canceled_by_operator' },
    });
    await auditChainVerifies(TENANT);
  });

  it('answers a cancel of a finished job with changed:false, audits the attempt and changes the job not at all', async () => {
    const job = await submit();
    await cancel(job.id);
    const before = await ledgerCounts();
    const again = await cancel(job.id);
    expect(again).toMatchObject({ changed: false, job: { status: 'canceled' } });
    expect(await ledgerCounts()).toEqual({ ...before, audit: before.audit + 1 });
  });

  it("does not find another tenant's job and writes nothing", async () => {
    const foreign = await submit('other');
    const before = await ledgerCounts();
    expect(await refusal(cancel(foreign.id))).toMatchObject({ code: 'not_found', status: 404 });
    expect(await ledgerCounts()).toEqual(before);
  });

  it('applies a cancel with the same idempotency key once: one audit entry and the same result, even when both race', async () => {
    const job = await submit();
    const key = cancelKey(`cancel-${job.id}`, job.id);
    const [a, b] = await Promise.all([cancel(job.id, { idempotency: key }), cancel(job.id, { idempotency: key })]);
    const c = await cancel(job.id, { idempotency: key });
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(a.changed).toBe(true);
    const { entries } = await reader.listAudit(ds, { tenant: TENANT, targetId: job.id, pageSize: 10 });
    expect(entries).toHaveLength(1);
    expect((await reader.listJobEvents(ds, TENANT, job.id)).filter((e) => e.eventType === 'job.canceled')).toHaveLength(1);
  });

  it('refuses the same key with another digest (409) and leaves the ledger unchanged', async () => {
    const first = await submit();
    const second = await submit();
    await cancel(first.id, { idempotency: cancelKey('shared-key', first.id) });
    const before = await ledgerCounts();
    const err = await refusal(cancel(second.id, { idempotency: { ...cancelKey('shared-key', second.id) } }));
    expect(err).toMatchObject({ code: 'idempotency_conflict', status: 409 });
    expect(await ledgerCounts()).toEqual(before);
    expect((await reader.getJob(ds, TENANT, second.id))?.status).toBe('queued');
  });

  it('requests the cancel of a running job, caps its lease, tells its heartbeat, and ends it canceled on fail without a dead letter', async () => {
    const job = await submit(TENANT, { running: true });
    await command('admit', { jobs: [{ jobId: job.id, attempt: 1 }] });
    const leased = await command<LeaseCommandResult>('lease', { workerId: 'w1', leaseMs: 60_000, jobs: [{ jobId: job.id, attempt: 1 }] });
    const alloc = leased.results[0].ok ? leased.results[0].allocation : null;
    expect(alloc).not.toBeNull();
    const fence = { jobId: job.id, leaseId: alloc!.leaseId, fencingToken: alloc!.fencingToken };
    await command<LeaseResult>('start', fence);

    const requested = Date.now();
    const r = await cancel(job.id);
    expect(r.changed).toBe(true);
    expect(r.job.status).toBe('running');
    expect(r.job.cancel).toMatchObject({ reason: 'upstream outage' });
    const deadline = Date.parse(r.job.cancel!.deadline!);
    expect(deadline - requested).toBeLessThanOrEqual(2_500);
    expect(Date.parse(r.job.lease!.expiresAt)).toBe(deadline);

    const beat = await command<LeaseResult>('heartbeat', { ...fence, leaseMs: 60_000 });
    expect(beat).toEqual({ leaseExpiresAt: new Date(deadline).toISOString(), cancelRequested: true });

    const before = await ledgerCounts();
    await expect(command('fail', { ...fence, error: { code: 'canceled', message: 'stopped', retryable: false } })).resolves.toEqual({ status: 'canceled' });
    const row = await reader.getJob(ds, TENANT, job.id);
    expect(row).toMatchObject({ status: 'canceled', statusReason: 'canceled_by_operator', attempt: 1 });
    expect((await reader.listJobEvents(ds, TENANT, job.id)).map((e) => e.eventType).slice(-2)).toEqual(['job.cancel_requested', 'job.canceled']);
    expect((await ledgerCounts()).dead).toBe(before.dead);
  });

  it('creates a batch of 1000 jobs in one transaction and replays it by its key', async () => {
    const body = { jobs: Array.from({ length: 1000 }, (_, i) => ({ tenant: TENANT, project: 'p2', jobType: 'demo.batch', payload: { i } })) };
    const data = { ...body, idempotencyKey: 'batch-1000', requestDigest: digestOf(body), scope: 'POST /api/v1/jobs:batch' };
    const r = await command<SubmitBatchResult>('submit-batch', data);
    expect(r.created).toBe(true);
    expect(r.jobs.map((j) => j.payload['i'])).toEqual(body.jobs.map((_, i) => i));
    const ids = r.jobs.map((j) => j.id);
    // Every row written by the same transaction carries the same xmin.
    const [tx] = await ds.query(`SELECT count(DISTINCT xmin::text)::int AS txs, count(*)::int AS n FROM ledger.jobs WHERE id = ANY($1::uuid[])`, [ids]);
    expect(tx).toEqual({ txs: 1, n: 1000 });
    const [ev] = await ds.query(`SELECT count(*)::int AS n FROM ledger.job_events WHERE job_id = ANY($1::uuid[])`, [ids]);
    expect(ev.n).toBe(2000);

    const replay = await command<SubmitBatchResult>('submit-batch', data);
    expect(replay.created).toBe(false);
    expect(replay.jobs.map((j) => j.id)).toEqual(ids);
    const conflict = await refusal(command('submit-batch', { ...data, requestDigest: digestOf({ other: true }) }));
    expect(conflict.code).toBe('idempotency_conflict');
  });

  it('refuses a batch with one invalid item as a whole, naming the item, and changes nothing', async () => {
    const before = await ledgerCounts();
    const jobs = [
      { tenant: TENANT, project: 'p1', jobType: 'demo.ok', payload: {} },
      { tenant: TENANT, project: 'p1', jobType: 'not a type!', payload: {} },
      { tenant: TENANT, project: 'p1', jobType: 'demo.ok', payload: {} },
    ];
    const err = await refusal(command('submit-batch', { jobs, idempotencyKey: 'bad-batch', requestDigest: digestOf({ jobs }), scope: 'POST /api/v1/jobs:batch' }));
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(err.errors?.map((e) => e.path)).toEqual(['jobs.1.jobType']);
    expect(await ledgerCounts()).toEqual(before);
  });

  it("records other services' operator changes and lists them newest first, filtered, in keyset pages", async () => {
    const tenant = 'auditlist';
    const change = (i: number): AppendAuditCommand => ({
      action: i % 2 ? 'quota.update' : 'webhook.create',
      targetType: i % 2 ? 'quota' : 'webhook',
      targetId: `t${i}`,
      before: { n: i - 1 },
      after: { n: i },
      operator,
    });
    const created: AppendAuditResult[] = [];
    for (let i = 1; i <= 5; i++) {
      // Distinct timestamps, so the time filters below have exact boundaries.
      const last = created.length ? Date.parse(created[created.length - 1].entry.occurredAt) : 0;
      await waitFor(() => Date.now() > last, { intervalMs: 1, what: 'the clock to move on' });
      created.push(await command<AppendAuditResult>('audit', change(i), tenant));
    }
    expect(created.map((c) => c.entry.seq)).toEqual([1, 2, 3, 4, 5]);

    const p1 = await reader.listAudit(ds, { tenant, pageSize: 2 });
    expect(p1.entries.map((e) => e.seq)).toEqual([5, 4]);
    const p2 = await reader.listAudit(ds, { tenant, pageSize: 2, after: p1.next! });
    const p3 = await reader.listAudit(ds, { tenant, pageSize: 2, after: p2.next! });
    expect([p2.entries.map((e) => e.seq), p3.entries.map((e) => e.seq), p3.next]).toEqual([[3, 2], [1], null]);
    expect((await reader.listAudit(ds, { tenant, action: 'quota.update', pageSize: 10 })).entries.map((e) => e.targetId)).toEqual(['t5', 't3', 't1']);
    expect((await reader.listAudit(ds, { tenant, targetType: 'webhook', targetId: 't4', pageSize: 10 })).entries).toEqual([created[3].entry]);
    const at3 = created[2].entry.occurredAt;
    expect((await reader.listAudit(ds, { tenant, from: at3, pageSize: 10 })).entries.map((e) => e.seq)).toEqual([5, 4, 3]);
    expect((await reader.listAudit(ds, { tenant, to: at3, pageSize: 10 })).entries.map((e) => e.seq)).toEqual([2, 1]);
    expect(await refusal(command('audit', { ...change(1), action: 'nope' }, tenant))).toMatchObject({ code: 'validation_failed' });
    await auditChainVerifies(tenant);
  });

  it('keeps the audit chain contiguous and verifiable under concurrent operator commands', async () => {
    const tenant = 'auditrace';
    const jobs = await Promise.all(Array.from({ length: 20 }, () => submit(tenant)));
    await Promise.all([
      ...jobs.map((j) => cancel(j.id, {}, tenant)),
      ...Array.from({ length: 20 }, (_, i) => command('audit', { action: 'quota.update', targetType: 'quota', targetId: `q${i}`, operator }, tenant)),
    ]);
    const entries = await reader.listTenantAudit(ds, tenant, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await auditChainVerifies(tenant);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit entries', async () => {
    await expect(ds.query(`UPDATE ledger.audit_log SET reason = 'edited' WHERE tenant = $1`, [TENANT])).rejects.toThrow(/ledger\.audit_log is append-only \(UPDATE refused\)/);
    await expect(ds.query(`DELETE FROM ledger.audit_log WHERE tenant = $1`, [TENANT])).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(ds.query(`TRUNCATE ledger.audit_log`)).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    // The job events keep their own guard.
    await expect(ds.query(`DELETE FROM ledger.job_events WHERE tenant = $1`, [TENANT])).rejects.toThrow(/ledger\.job_events is append-only/);
    await auditChainVerifies(TENANT);
  });
});
