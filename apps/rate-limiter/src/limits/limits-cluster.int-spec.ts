import { CompleteResult, LeaseCommandResult, LeaseResult, SubmitJobCommand, SubmitJobResult, UpstreamReportResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, peakInFlight, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { parseRetryAfter, WorkerClient } from '@orch/sdk-node';
import { Client } from 'pg';

const TENANT = 'tc';
const CAP = 3;
const JOBS = 15;
const operator = { subject: 'ops@example.com', scopes: ['orch:quota'], reason: 'protect the upstream', ticket: 'OPS-7' };

/**
 * Limits across replicas, end to end through the ledger: ledger-writer, two rate-limiters and two
 * schedulers as processes; the test plays the workers with ledger commands (lease, start,
 * complete, and the lease-broker's expire for a crashed worker) and counts from `job_events`.
 */
describe('limits with two rate-limiter and two scheduler replicas (processes, real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let client: OrchClient;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('orch_rlc');
    ns = await createTestNamespace();
    const env = {
      NATS_URL: TEST_NATS_URL,
      DATABASE_URL: db.url,
      ORCH_NAMESPACE: ns.names.namespace,
      LOG_LEVEL: 'warn',
      SCHEDULER_POLL_MS: '500',
      LIMITS_RECONCILE_MS: '1000',
      REAPER_INTERVAL_MS: '200',
      BACKOFF_BASE_MS: '200',
      BACKOFF_JITTER: '0',
    };
    procs.push(await startService('ledger-writer', env));
    procs.push(...(await Promise.all([startService('rate-limiter', env), startService('rate-limiter', env)])));
    procs.push(...(await Promise.all([startService('scheduler', env), startService('scheduler', env), startService('lease-broker', env)])));
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 180_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  });

  const command = <T>(service: 'ledger-writer' | 'rate-limiter', verb: string, data: unknown) =>
    client.command<T>(service, verb, { type: `${service.replace('-', '')}.${verb}`, tenant: TENANT, project: 'p1', correlationId: `corr-${verb}`, data });
  const submit = (jobType: string, key: string, source?: string): Promise<SubmitJobResult> => {
    const body = { tenant: TENANT, project: 'p1', jobType, payload: { key }, ...(source ? { source } : {}) };
    const data: SubmitJobCommand = { ...body, idempotencyKey: key, requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    return command<SubmitJobResult>('ledger-writer', 'submit', data);
  };
  /** Jobs of `jobType` admitted (dispatched) and not yet leased, at their attempt. */
  const dispatched = async (jobType: string) =>
    (await pg.query<{ id: string; attempt: number }>(`SELECT id, attempt FROM ledger.jobs WHERE job_type = $1 AND status = 'queued' AND admitted_attempt = attempt`, [jobType])).rows;
  const lease = async (job: { id: string; attempt: number }, leaseMs = 30_000) => {
    const r = (await command<LeaseCommandResult>('ledger-writer', 'lease', { workerId: 'w1', leaseMs, jobs: [{ jobId: job.id, attempt: job.attempt }] })).results[0];
    if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
    return { jobId: job.id, leaseId: r.allocation.leaseId, fencingToken: r.allocation.fencingToken };
  };
  /** Peak of jobs between `job.leased` and their attempt's end, replaying the tenant's ledger in order. */
  const peakOfType = async (jobType: string): Promise<number> => {
    const { rows } = await pg.query<{ event_type: string; job_id: string; attempt: number }>(
      `SELECT e.event_type, e.job_id, e.attempt FROM ledger.job_events e JOIN ledger.jobs j ON j.id = e.job_id
       WHERE e.tenant = $1 AND j.job_type = $2 ORDER BY e.seq`,
      [TENANT, jobType],
    );
    return peakInFlight(rows);
  };

  it('never has more than the cap in flight, holds the rest throttled with the reason, and runs every job as slots free', async () => {
    await command('rate-limiter', 'limits.rule.put', { rule: { id: 'cap-cluster', kind: 'concurrency', match: { jobType: 'cl.cap' }, per: ['tenant', 'jobType'], maxInFlight: CAP }, operator });
    const jobs = await Promise.all(Array.from({ length: JOBS }, (_, i) => submit('cl.cap', `cap-${i}`)));
    await waitFor(
      async () => (await pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE job_type = 'cl.cap' AND status = 'throttled'`)).rows[0].n === JOBS - CAP,
      { timeoutMs: 20_000, what: 'the jobs over the cap held throttled' },
    );
    const held = await pg.query(`SELECT throttle FROM ledger.jobs WHERE job_type = 'cl.cap' AND status = 'throttled' LIMIT 1`);
    expect(held.rows[0].throttle).toMatchObject({ code: 'concurrency_cap', ruleId: 'cap-cluster', key: `${TENANT}:cap-cluster|tenant=${TENANT}|jobType=cl.cap` });

    // Work the jobs as they are dispatched: each pass leases every dispatched job and completes those
    // leased in the pass before, so leases overlap and an over-admission would show in the ledger.
    const done = new Set<string>();
    let leased: { jobId: string; leaseId: string; fencingToken: number }[] = [];
    await waitFor(
      async () => {
        const previous = leased;
        leased = [];
        for (const job of await dispatched('cl.cap')) leased.push(await lease(job));
        for (const fence of previous) {
          await command<LeaseResult>('ledger-writer', 'start', fence);
          await command<CompleteResult>('ledger-writer', 'complete', { ...fence, result: { ok: true } });
          done.add(fence.jobId);
        }
        return done.size === JOBS;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'every capped job run' },
    );
    expect(new Set(jobs.map((j) => j.job.id))).toEqual(done);
    // The cap was reached (the test can see an excess) and never exceeded.
    expect(await peakOfType('cl.cap')).toBe(CAP);
    // Every slot came back.
    await waitFor(async () => (await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [`${TENANT}:cap-cluster|tenant=${TENANT}|jobType=cl.cap`])).rows[0]?.value === 0, {
      timeoutMs: 10_000,
      what: 'the cap counter back to 0',
    });
  });

  it('admits no more than burst + rate × time per key, counted from the admissions of both replicas', async () => {
    const RATE = 4;
    const BURST = 2;
    await command('rate-limiter', 'limits.rule.put', {
      rule: { id: 'rate-cluster', kind: 'rate', match: { jobType: 'cl.rate' }, per: ['tenant', 'jobType'], ratePerSecond: RATE, burst: BURST, adaptive: false },
      operator,
    });
    const n = 12;
    await Promise.all(Array.from({ length: n }, (_, i) => submit('cl.rate', `rate-${i}`)));
    await waitFor(async () => (await dispatched('cl.rate')).length === n, { timeoutMs: 30_000, intervalMs: 200, what: 'every rate-limited job dispatched' });
    const { rows } = await pg.query<{ at: Date }>(
      `SELECT a.admitted_at AS at FROM limits.admissions a JOIN ledger.jobs j ON j.id = a.job_id AND j.admitted_attempt = a.attempt
       WHERE j.job_type = 'cl.rate' AND a.released_at IS NULL ORDER BY a.admitted_at`,
    );
    expect(rows).toHaveLength(n);
    const times = rows.map((r) => new Date(r.at).getTime());
    // Every window [t_i, t_j] holds at most burst + rate × (t_j − t_i) admissions (1 ms of rounding).
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) expect(j - i + 1).toBeLessThanOrEqual(BURST + (RATE * (times[j] - times[i] + 1)) / 1000 + 1e-9);
    }
    // And some were held: the bucket did throttle (the test can fail).
    const held = await pg.query(`SELECT count(DISTINCT e.job_id)::int AS n FROM ledger.job_events e JOIN ledger.jobs j ON j.id = e.job_id WHERE j.job_type = 'cl.rate' AND e.event_type = 'job.throttled'`);
    expect(held.rows[0].n).toBeGreaterThanOrEqual(n / 2);
  });

  it("gives a crashed worker's slot back once its lease is expired, and the next job runs", async () => {
    await command('rate-limiter', 'limits.rule.put', { rule: { id: 'cap-crash', kind: 'concurrency', match: { jobType: 'cl.crash' }, per: ['tenant', 'jobType'], maxInFlight: 1 }, operator });
    const [a, b] = [await submit('cl.crash', 'crash-a'), await submit('cl.crash', 'crash-b')];
    let first: { id: string; attempt: number } | undefined;
    await waitFor(async () => (first = (await dispatched('cl.crash'))[0]), { timeoutMs: 20_000, what: 'one job dispatched' });
    // Leased for 1 s by a worker that then dies: it never starts, heartbeats or completes.
    const fence = await lease(first!, 1_000);
    const other = first!.id === a.job.id ? b.job.id : a.job.id;
    await waitFor(async () => (await pg.query(`SELECT status FROM ledger.jobs WHERE id = $1`, [other])).rows[0].status === 'throttled', { timeoutMs: 20_000, what: 'the other job held' });
    // The lease-broker's reaper expires the lease (attempt 1 → queued at attempt 2): the event releases the slot.
    await waitFor(async () => (await pg.query(`SELECT attempt FROM ledger.jobs WHERE id = $1`, [fence.jobId])).rows[0].attempt === 2, { timeoutMs: 20_000, what: 'lease expired' });
    // Its slot comes back: one of the two (the other job, or the crashed one's next attempt) is dispatched.
    await waitFor(async () => (await dispatched('cl.crash')).length === 1, { timeoutMs: 20_000, what: 'a job dispatched after the expiry' });
    expect((await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [`${TENANT}:cap-crash|tenant=${TENANT}|jobType=cl.crash`])).rows[0].value).toBe(1);
  });

  it('holds jobs of a paused job type as throttled with the reason, and lets them go on resume', async () => {
    const pause = await command<{ pause: { id: string } }>('rate-limiter', 'limits.pause.create', { match: { jobType: 'cl.pause' }, reason: 'vendor maintenance', operator });
    const job = await submit('cl.pause', 'paused-1');
    await waitFor(async () => (await pg.query(`SELECT status FROM ledger.jobs WHERE id = $1`, [job.job.id])).rows[0].status === 'throttled', { timeoutMs: 20_000, what: 'paused job throttled' });
    const row = (await pg.query(`SELECT throttle, eligible_at FROM ledger.jobs WHERE id = $1`, [job.job.id])).rows[0];
    expect(row).toMatchObject({ eligible_at: null, throttle: { code: 'paused', ruleId: pause.pause.id, detail: 'paused: vendor maintenance' } });
    await command('rate-limiter', 'limits.pause.delete', { id: pause.pause.id, operator });
    await waitFor(async () => (await dispatched('cl.pause')).some((j) => j.id === job.job.id), { timeoutMs: 20_000, what: 'resumed job dispatched' });
  });

  it('opens a breaker when the failure rate passes its threshold (jobs wait throttled), probes after the cooldown, closes on success, and audits each change', async () => {
    const rule = { id: 'brk', kind: 'breaker', match: { jobType: 'cl.brk' }, per: ['tenant', 'jobType'], failureRateThreshold: 0.5, minOutcomes: 2, windowMs: 60_000, openMs: 2_000, halfOpenProbes: 1 };
    await command('rate-limiter', 'limits.rule.put', { rule, operator });
    const failOne = async (key: string) => {
      const job = await submit('cl.brk', key);
      await waitFor(async () => (await dispatched('cl.brk')).some((j) => j.id === job.job.id), { timeoutMs: 20_000, what: `${key} dispatched` });
      const fence = await lease({ id: job.job.id, attempt: 1 });
      await command<LeaseResult>('ledger-writer', 'start', fence);
      await command('ledger-writer', 'fail', { ...fence, error: { code: 'upstream_500', message: 'upstream answered 500', retryable: false } });
    };
    await failOne('brk-1');
    await failOne('brk-2');
    const key = `${TENANT}:brk|tenant=${TENANT}|jobType=cl.brk`;
    await waitFor(async () => (await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [key])).rows[0]?.value?.status === 'open', { timeoutMs: 20_000, what: 'breaker open' });

    const held = await submit('cl.brk', 'brk-3');
    await waitFor(async () => (await pg.query(`SELECT status FROM ledger.jobs WHERE id = $1`, [held.job.id])).rows[0].status === 'throttled', { timeoutMs: 20_000, what: 'job held by the open breaker' });
    const row = (await pg.query(`SELECT throttle, eligible_at FROM ledger.jobs WHERE id = $1`, [held.job.id])).rows[0];
    expect(row.throttle).toMatchObject({ code: 'breaker_open', ruleId: 'brk' });
    expect(row.eligible_at).not.toBeNull();

    // After the cooldown the held job goes through as the half-open probe; its success closes the breaker.
    await waitFor(async () => (await dispatched('cl.brk')).some((j) => j.id === held.job.id), { timeoutMs: 20_000, what: 'probe dispatched after the cooldown' });
    const fence = await lease({ id: held.job.id, attempt: 1 });
    await command<LeaseResult>('ledger-writer', 'start', fence);
    await command<CompleteResult>('ledger-writer', 'complete', { ...fence, result: { ok: true } });
    await waitFor(async () => (await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [key])).rows[0].value.status === 'closed', { timeoutMs: 20_000, what: 'breaker closed' });

    const visibleKey = `brk|tenant=${TENANT}|jobType=cl.brk`;
    await waitFor(
      async () => (await pg.query(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE tenant = $1 AND target_type = 'limit_breaker'`, [TENANT])).rows[0].n === 3,
      { timeoutMs: 20_000, what: 'three breaker audit entries' },
    );
    const { rows } = await pg.query(`SELECT action, target_id, actor, reason, before, after FROM ledger.audit_log WHERE tenant = $1 AND target_type = 'limit_breaker' ORDER BY seq`, [TENANT]);
    expect(rows.map((r) => r.action)).toEqual(['limits.breaker.open', 'limits.breaker.half_open', 'limits.breaker.close']);
    expect(rows[0]).toMatchObject({ target_id: visibleKey, before: { status: 'closed' }, after: { status: 'open', rule: 'brk', reason: 'failure_rate' } });
    expect(rows[0].reason).toMatch(/^2\/2 failed/);
    expect(rows[2]).toMatchObject({ after: { status: 'closed', reason: 'probes_succeeded' } });
    // Each outcome was counted once, whichever replica saw its event.
    expect((await pg.query(`SELECT count(*)::int AS n FROM limits.outcomes WHERE tenant = $1`, [TENANT])).rows[0].n).toBe(3);
  });

  it("slows a source's adaptive rate on a worker's upstream 429 (held until Retry-After, as upstream_backoff), refuses a stale lease's report, and recovers", async () => {
    const source = 'api.upstream.example';
    const rule = { id: 'up-rate', kind: 'rate', match: { source }, per: ['source'], ratePerSecond: 20, burst: 20, adaptive: { decreaseFactor: 0.5, recoveryPerSecond: 0.5 } };
    await command('rate-limiter', 'limits.rule.put', { rule, operator });
    const first = await submit('cl.up', 'up-1', source);
    await waitFor(async () => (await dispatched('cl.up')).some((j) => j.id === first.job.id), { timeoutMs: 20_000, what: 'first job dispatched' });
    const fence = await lease({ id: first.job.id, attempt: 1 });
    await command<LeaseResult>('ledger-writer', 'start', fence);
    const report = (data: object) =>
      client.request<UpstreamReportResult>(ns.names.worker(TENANT, 'upstream'), { type: 'worker.upstream', tenant: TENANT, project: '*', correlationId: 'corr-up', taskRunnerId: 'w1', data }, { timeoutMs: 15_000 });

    // The SDK's call (what ctx.reportUpstream(429, parseRetryAfter('3')) sends), through the lease-broker.
    const sdk = new WorkerClient({ nc: ns.nc, tenant: TENANT, workerId: 'w1', namespace: ns.names.namespace });
    const before = Date.now();
    const res = await sdk.upstream({ ...fence, attempt: 1, project: 'p1', jobType: 'cl.up', correlationId: 'corr-up' }, 429, parseRetryAfter('3'));
    expect(res.slowed).toHaveLength(1);
    expect(res.slowed[0]).toMatchObject({ ruleId: 'up-rate', key: `up-rate|source=${source}`, ratePerSecond: 0, configuredRatePerSecond: 20 });
    const holdUntil = Date.parse(res.slowed[0].holdUntil!);
    expect(holdUntil).toBeGreaterThanOrEqual(before + 3_000);
    expect(Date.parse(res.slowed[0].recoversAt)).toBeGreaterThan(holdUntil);

    const held = await submit('cl.up', 'up-2', source);
    await waitFor(async () => (await pg.query(`SELECT status FROM ledger.jobs WHERE id = $1`, [held.job.id])).rows[0].status === 'throttled', { timeoutMs: 20_000, what: 'job of the slowed source held' });
    const row = (await pg.query(`SELECT throttle, eligible_at FROM ledger.jobs WHERE id = $1`, [held.job.id])).rows[0];
    expect(row.throttle).toMatchObject({ code: 'upstream_backoff', ruleId: 'up-rate' });
    expect(new Date(row.eligible_at).getTime()).toBeGreaterThanOrEqual(holdUntil);
    // The hold ends and the rate climbs back: the job runs.
    await waitFor(async () => (await dispatched('cl.up')).some((j) => j.id === held.job.id), { timeoutMs: 20_000, what: 'held job dispatched after the hold' });
    expect(Date.now()).toBeGreaterThanOrEqual(holdUntil);

    // A 200 changes nothing; a report with a stale fencing token is refused and changes nothing.
    expect((await report({ ...fence, status: 200 })).slowed).toEqual([]);
    const stateBefore = (await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [`${TENANT}:up-rate|source=${source}`])).rows[0].value;
    await expect(report({ ...fence, fencingToken: fence.fencingToken + 1, status: 503 })).rejects.toMatchObject({ code: 'stale_lease' });
    await expect(report({ ...fence, jobId: '00000000-0000-7000-8000-000000000000', status: 503 })).rejects.toMatchObject({ code: 'not_found' });
    expect((await pg.query(`SELECT value FROM limits.state WHERE key = $1`, [`${TENANT}:up-rate|source=${source}`])).rows[0].value).toEqual(stateBefore);
  });
});
