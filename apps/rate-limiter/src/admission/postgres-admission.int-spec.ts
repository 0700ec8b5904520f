import { JobEventData, JobStatus, makeEnvelope, RateLimitAdmitResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { createLedgerDataSource, LimitsRulesRepository, runLedgerMigrations, StoredRule } from '@orch/persistence';
import { parseEnv, RunningService } from '@orch/service-kit';
import { createTestDatabase, createTestNamespace, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { RateLimiterConfig } from '../config';
import { SlotReconcilerService } from '../limits/slot-reconciler.service';
import { startRateLimiter } from '../start-rate-limiter';

const GRACE_MS = 1_000;

interface Cand {
  jobId: string;
  attempt: number;
  project: string;
  jobType: string;
  source?: string | null;
  priority: number;
}

const cand = (jobType: string, extra: Partial<Cand> = {}): Cand => ({ jobId: uuidv7(), attempt: 1, project: 'p1', jobType, priority: 5, ...extra });

describe('rate-limiter PostgresAdmissionPolicy (real NATS + PostgreSQL, two replicas)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let client: OrchClient;
  const replicas: RunningService[] = [];
  const rules = new LimitsRulesRepository();

  beforeAll(async () => {
    db = await createTestDatabase('orch_rl');
    ns = await createTestNamespace();
    // The reconciler reads ledger.jobs: give the database the ledger schema (its owner is not under test here).
    const ledger = createLedgerDataSource({ url: db.url, applicationName: 'test-ledger' });
    await ledger.initialize();
    await runLedgerMigrations(ledger);
    await ledger.destroy();
    const config = parseEnv(RateLimiterConfig, {
      NATS_URL: TEST_NATS_URL,
      DATABASE_URL: db.url,
      ORCH_NAMESPACE: ns.names.namespace,
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      LIMITS_RECONCILE_MS: '600000',
      LIMITS_RECONCILE_GRACE_MS: String(GRACE_MS),
      // These tests write rules straight into the table (no notice): read them for every decision.
      LIMITS_RULES_CACHE_MS: '0',
    });
    // Two replicas at once: both run the migrations (serialised by the advisory lock).
    replicas.push(...(await Promise.all([startRateLimiter(config, { handleSignals: false }), startRateLimiter(config, { handleSignals: false })])));
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    for (const r of replicas) await r.shutdown('test done');
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  });

  const put = (rule: StoredRule) => rules.putRule(pg, { rule, actor: 'test' });
  const admit = (tenant: string, jobs: Cand[]) =>
    client.command<RateLimitAdmitResult>('rate-limiter', 'admit', { type: 'ratelimiter.admit', tenant, project: '*', correlationId: 'corr-rl', data: { jobs } });
  const inFlight = async (key: string): Promise<number> => {
    const { rows } = await pg.query<{ value: number | null }>(`SELECT value FROM limits.state WHERE key = $1`, [key]);
    return rows[0]?.value ?? 0;
  };
  const publishEvent = async (tenant: string, jobType: string, job: { id: string; attempt: number; status: JobStatus }) => {
    const data = { event: { type: `job.${job.status}` }, job: { ...job, type: jobType } } as unknown as JobEventData;
    const env = makeEnvelope({ type: `job.${job.status}`, tenant, project: 'p1', correlationId: 'corr-evt', jobType, data });
    await client.publish(ns.names.evt(tenant, jobType, `job.${job.status}`), env, { msgId: env.id });
  };

  it('creates the limits schema at boot, once, with its own migration table', async () => {
    const { rows } = await pg.query(`SELECT name FROM orch_limits_migrations ORDER BY id`);
    expect(rows.map((r) => r.name)).toEqual(['LimitsInit1764300000000', 'LimitsOutcomes1764600000000']);
    const tables = await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'limits' ORDER BY 1`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['admissions', 'audit_outbox', 'outcomes', 'pauses', 'rules', 'state']);
  });

  it('admits everything, charging nothing, while no rule applies', async () => {
    const jobs = [cand('free.type'), cand('free.type')];
    await expect(admit('t-free', jobs)).resolves.toEqual({ allowed: jobs.map((j) => j.jobId), throttled: [] });
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM limits.admissions WHERE tenant = 't-free'`);
    expect(rows[0].n).toBe(0);
  });

  it('holds jobs over a concurrency cap as concurrency_cap with the rule, key and no next eligible time', async () => {
    await put({ id: 'cap-a', tenant: 't1', kind: 'concurrency', match: { jobType: 'cap.a' }, per: ['tenant', 'jobType'], maxInFlight: 2 });
    const jobs = Array.from({ length: 5 }, () => cand('cap.a'));
    const res = await admit('t1', jobs);
    expect(res.allowed).toEqual(jobs.slice(0, 2).map((j) => j.jobId));
    expect(res.throttled.map((t) => t.jobId)).toEqual(jobs.slice(2).map((j) => j.jobId));
    expect(res.throttled[0]).toMatchObject({
      attempt: 1,
      nextEligibleAt: null,
      reason: { code: 'concurrency_cap', ruleId: 'cap-a', key: 'cap-a|tenant=t1|jobType=cap.a', detail: '2/2 in flight' },
    });
    expect(await inFlight('cap-a|tenant=t1|jobType=cap.a')).toBe(2);

    // Asked again (a second scheduler, a retried command): allowed again, no second slot.
    const again = await admit('t1', jobs.slice(0, 2));
    expect(again).toEqual({ allowed: jobs.slice(0, 2).map((j) => j.jobId), throttled: [] });
    expect(await inFlight('cap-a|tenant=t1|jobType=cap.a')).toBe(2);
  });

  it('never admits more than the cap when both replicas decide overlapping batches at once', async () => {
    await put({ id: 'cap-b', tenant: 't1', kind: 'concurrency', match: { jobType: 'cap.b' }, per: ['tenant', 'jobType'], maxInFlight: 7 });
    const jobs = Array.from({ length: 60 }, () => cand('cap.b'));
    // 12 concurrent batches of 10 over 60 jobs: each job is offered twice, by different commands.
    const batches = Array.from({ length: 12 }, (_, i) => jobs.slice((i * 5) % 60, ((i * 5) % 60) + 10));
    const results = await Promise.all(batches.map((b) => admit('t1', b)));
    const allowed = new Set(results.flatMap((r) => r.allowed));
    expect(allowed.size).toBe(7);
    expect(await inFlight('cap-b|tenant=t1|jobType=cap.b')).toBe(7);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM limits.admissions WHERE slot_keys @> ARRAY['cap-b|tenant=t1|jobType=cap.b'] AND released_at IS NULL`);
    expect(rows[0].n).toBe(7);
  });

  it('holds jobs beyond the burst as rate_limited, each with a later next eligible time', async () => {
    await put({ id: 'rate-a', tenant: 't1', kind: 'rate', match: { source: 'nvd' }, per: ['tenant', 'source'], ratePerSecond: 0.01, burst: 3, adaptive: false });
    const jobs = Array.from({ length: 5 }, () => cand('rate.any', { source: 'nvd' }));
    const res = await admit('t1', jobs);
    expect(res.allowed).toEqual(jobs.slice(0, 3).map((j) => j.jobId));
    expect(res.throttled.map((t) => t.reason.code)).toEqual(['rate_limited', 'rate_limited']);
    expect(res.throttled[0].reason).toMatchObject({ ruleId: 'rate-a', key: 'rate-a|tenant=t1|source=nvd' });
    const [first, second] = res.throttled.map((t) => Date.parse(t.nextEligibleAt!));
    expect(second).toBeGreaterThan(first);
    expect(first).toBeGreaterThan(Date.now());
    // A job of another source is not held by that bucket.
    const other = cand('rate.any', { source: 'ghsa' });
    await expect(admit('t1', [other])).resolves.toEqual({ allowed: [other.jobId], throttled: [] });
  });

  it('holds jobs over a quota per hour as quota_hour until the next UTC hour', async () => {
    await put({ id: 'quota-a', tenant: 't2', kind: 'quota', match: { jobType: 'q.a' }, per: ['tenant', 'jobType'], maxPerHour: 2 });
    const jobs = Array.from({ length: 3 }, () => cand('q.a'));
    const res = await admit('t2', jobs);
    expect(res.allowed).toHaveLength(2);
    const nextHour = new Date(Math.floor(Date.now() / 3_600_000 + 1) * 3_600_000).toISOString();
    expect(res.throttled).toEqual([expect.objectContaining({ jobId: jobs[2].jobId, nextEligibleAt: nextHour, reason: expect.objectContaining({ code: 'quota_hour', ruleId: 'quota-a' }) })]);
  });

  it('gives a slot back when the ledger event ending the attempt arrives, once, and admits the next job', async () => {
    await put({ id: 'cap-c', tenant: 't3', kind: 'concurrency', match: { jobType: 'cap.c' }, per: ['tenant', 'jobType'], maxInFlight: 1 });
    const [a, b, c] = [cand('cap.c'), cand('cap.c'), cand('cap.c')];
    expect((await admit('t3', [a, b])).allowed).toEqual([a.jobId]);
    // Leased and running end nothing.
    await publishEvent('t3', 'cap.c', { id: a.jobId, attempt: 1, status: JobStatus.running });
    await publishEvent('t3', 'cap.c', { id: a.jobId, attempt: 1, status: JobStatus.succeeded });
    await waitFor(async () => (await inFlight('cap-c|tenant=t3|jobType=cap.c')) === 0, { timeoutMs: 10_000, what: 'slot of a released' });
    // The same event again (a redelivery, another id) releases nothing more.
    await publishEvent('t3', 'cap.c', { id: a.jobId, attempt: 1, status: JobStatus.succeeded });
    expect((await admit('t3', [b, c])).allowed).toEqual([b.jobId]);
    expect(await inFlight('cap-c|tenant=t3|jobType=cap.c')).toBe(1);
    const { rows } = await pg.query(`SELECT release_reason FROM limits.admissions WHERE job_id = $1`, [a.jobId]);
    expect(rows).toEqual([{ release_reason: 'attempt_ended' }]);
  });

  it('releases the slot of an attempt sent back to queued at the next attempt (retry, expired lease)', async () => {
    await put({ id: 'cap-d', tenant: 't3', kind: 'concurrency', match: { jobType: 'cap.d' }, per: ['tenant', 'jobType'], maxInFlight: 1 });
    const a = cand('cap.d');
    expect((await admit('t3', [a])).allowed).toEqual([a.jobId]);
    // The hold lifted at the same attempt ends nothing.
    await publishEvent('t3', 'cap.d', { id: a.jobId, attempt: 1, status: JobStatus.queued });
    await publishEvent('t3', 'cap.d', { id: a.jobId, attempt: 2, status: JobStatus.queued });
    await waitFor(async () => (await inFlight('cap-d|tenant=t3|jobType=cap.d')) === 0, { timeoutMs: 10_000, what: 'slot of attempt 1 released' });
    // Attempt 2 takes the slot again.
    expect((await admit('t3', [{ ...a, attempt: 2 }])).allowed).toEqual([a.jobId]);
    expect(await inFlight('cap-d|tenant=t3|jobType=cap.d')).toBe(1);
  });

  it('releases, on admission of a later attempt, the slot of an earlier attempt whose event has not arrived', async () => {
    await put({ id: 'cap-e', tenant: 't3', kind: 'concurrency', match: { jobType: 'cap.e' }, per: ['tenant', 'jobType'], maxInFlight: 1 });
    const a = cand('cap.e');
    expect((await admit('t3', [a])).allowed).toEqual([a.jobId]);
    expect((await admit('t3', [{ ...a, attempt: 2 }])).allowed).toEqual([a.jobId]);
    expect(await inFlight('cap-e|tenant=t3|jobType=cap.e')).toBe(1);
    const { rows } = await pg.query(`SELECT attempt, release_reason FROM limits.admissions WHERE job_id = $1 ORDER BY attempt`, [a.jobId]);
    expect(rows).toEqual([
      { attempt: 1, release_reason: 'superseded' },
      { attempt: 2, release_reason: null },
    ]);
  });

  it('reconciles away a slot whose attempt the ledger does not hold admitted, leased or running, after the grace period', async () => {
    await put({ id: 'cap-f', tenant: 't4', kind: 'concurrency', match: { jobType: 'cap.f' }, per: ['tenant', 'jobType'], maxInFlight: 5 });
    const a = cand('cap.f');
    expect((await admit('t4', [a])).allowed).toEqual([a.jobId]);
    const reconciler = replicas[0].app.get(SlotReconcilerService);
    // Within the grace period the scheduler may still be recording it: left alone.
    await reconciler.reconcile(new Date());
    expect(await inFlight('cap-f|tenant=t4|jobType=cap.f')).toBe(1);
    // The ledger has no such job at that attempt: released.
    expect(await reconciler.reconcile(new Date(Date.now() + GRACE_MS * 2))).toBeGreaterThanOrEqual(1);
    expect(await inFlight('cap-f|tenant=t4|jobType=cap.f')).toBe(0);
  });

  it('reads rule changes in the admission transaction: a raised cap applies to the next decision', async () => {
    await put({ id: 'cap-g', tenant: 't5', kind: 'concurrency', match: { jobType: 'cap.g' }, per: ['tenant', 'jobType'], maxInFlight: 1 });
    const [a, b] = [cand('cap.g'), cand('cap.g')];
    expect((await admit('t5', [a, b])).allowed).toEqual([a.jobId]);
    await put({ id: 'cap-g', tenant: 't5', kind: 'concurrency', match: { jobType: 'cap.g' }, per: ['tenant', 'jobType'], maxInFlight: 2 });
    expect((await admit('t5', [a, b])).allowed).toEqual([a.jobId, b.jobId]);
  });

  it("applies a tenant's rules only to that tenant", async () => {
    const jobs = Array.from({ length: 3 }, () => cand('cap.a'));
    await expect(admit('t-other', jobs)).resolves.toEqual({ allowed: jobs.map((j) => j.jobId), throttled: [] });
  });
});
