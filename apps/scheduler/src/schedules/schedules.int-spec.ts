import { ClaimResult, OperatorContext, ScheduleChangeResult, ScheduleView, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf, nextFireTime } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * Cron schedules and runAt with the real processes: ledger-writer, rate-limiter, lease-broker and
 * TWO scheduler replicas ticking every 200 ms. Schedules have minute precision and the clock cannot
 * be moved, so downtime is simulated the way a long outage leaves the ledger: the schedule's
 * creation time is moved back and its overdue next fire time written, as if no scheduler had run
 * since; one test does so with every scheduler process stopped and restarts one. Counts come from the ledger
 * (`schedule_fires`, jobs by idempotency key).
 */
const TENANT = 'crontest';
const MIN = 60_000;
const operator: OperatorContext = { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'schedule test' };

describe('cron schedules with two scheduler replicas, and runAt (real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let client: OrchClient;
  const services: ServiceProcess[] = [];
  const schedulers: ServiceProcess[] = [];

  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    env = {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      OUTBOX_POLL_MS: '100',
      SCHEDULER_POLL_MS: '200',
      SCHEDULER_CRON_TICK_MS: '200',
    };
    services.push(await startService('ledger-writer', env));
    const rest = await Promise.all([
      startService('rate-limiter', env, { readyTimeoutMs: 120_000 }),
      startService('lease-broker', env, { readyTimeoutMs: 120_000 }),
      startService('scheduler', env, { readyTimeoutMs: 120_000 }),
      startService('scheduler', env, { readyTimeoutMs: 120_000 }),
    ]);
    services.push(...rest);
    schedulers.push(rest[2], rest[3]);
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 240_000);

  afterAll(async () => {
    for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  const command = <T>(verb: string, data: object) =>
    client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant: TENANT, project: 'p1', correlationId: randomUUID(), data });

  /** A paused every-minute schedule (nothing fires until the test lets it). */
  async function schedule(extra: object = {}): Promise<ScheduleView> {
    const body = { project: 'p1', name: 'cron test', cron: '* * * * *', timeZone: 'Europe/Berlin', paused: true, job: { jobType: 'cron.test', payload: {} }, ...extra };
    return (await command<ScheduleChangeResult>('schedule-create', { ...body, operator })).schedule;
  }

  /** Unpauses the schedule as if it had been created `minutes` ago and no scheduler had run since. */
  async function downFor(s: ScheduleView, minutes: number, now = Date.now()): Promise<void> {
    const createdAt = new Date(now - minutes * MIN);
    const next = nextFireTime(s, createdAt);
    await pg.query(`UPDATE ledger.schedules SET paused = false, created_at = $2, next_fire_at = $3 WHERE id = $1`, [s.id, createdAt, next]);
  }

  async function fires(id: string): Promise<string[]> {
    const { rows } = await pg.query(`SELECT fire_time FROM ledger.schedule_fires WHERE schedule_id = $1 ORDER BY fire_time`, [id]);
    return rows.map((r) => new Date(r.fire_time).toISOString());
  }

  /** Jobs per fire time, from the jobs' idempotency keys (`<scheduleId>@<fireTime>`). */
  async function jobsPerSlot(id: string): Promise<Map<string, number>> {
    const { rows } = await pg.query(`SELECT idempotency_key AS k, count(*)::int AS n FROM ledger.jobs WHERE idempotency_key LIKE $1 GROUP BY 1`, [`${id}@%`]);
    return new Map(rows.map((r) => [String(r.k).slice(id.length + 1), r.n as number]));
  }

  /** Each recorded fire created exactly one job, and no job exists without its fire record. */
  async function expectOneJobPerFire(id: string): Promise<void> {
    const slots = await fires(id);
    const jobs = await jobsPerSlot(id);
    expect([...jobs.keys()].sort()).toEqual(slots);
    expect([...jobs.values()].every((n) => n === 1)).toBe(true);
  }

  /**
   * Waits until the replicas have evaluated the ledger after this call: a fresh schedule made due
   * now fires (the schedulers ticked and saw it), twice in a row. A late second firing of the
   * schedule under test would have happened by then.
   */
  async function settle(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const barrier = await schedule({ name: 'barrier' });
      await downFor(barrier, 2);
      await waitFor(async () => (await fires(barrier.id)).length > 0, { timeoutMs: 20_000, what: 'the barrier schedule to fire' });
    }
  }

  /**
   * Starts a test early in a minute, so that its downtime window and the firing it watches end
   * before the next live slot: every fire seen is then one the test predicted.
   */
  const earlyInMinute = () =>
    waitFor(() => new Date().getUTCSeconds() >= 1 && new Date().getUTCSeconds() <= 35, { timeoutMs: 70_000, intervalMs: 200, what: 'an early second of the minute' });

  /** The `n` newest every-minute slots at or before `now`, oldest first. */
  const newestSlots = (now: number, n: number) => Array.from({ length: n }, (_, i) => new Date((Math.floor(now / MIN) - n + 1 + i) * MIN).toISOString());

  it('skip: after 10 missed slots fires once, the newest, with one job, whichever replica asks', async () => {
    await earlyInMinute();
    const s = await schedule({ misfirePolicy: 'skip' });
    const now = Date.now();
    await downFor(s, 10.5, now);
    await waitFor(async () => (await fires(s.id)).length > 0, { timeoutMs: 20_000, what: 'the missed schedule to fire' });
    await settle();
    expect(await fires(s.id)).toEqual(newestSlots(now, 1));
    await expectOneJobPerFire(s.id);
    const { rows } = await pg.query(`SELECT status, job_type FROM ledger.jobs WHERE idempotency_key LIKE $1`, [`${s.id}@%`]);
    expect(rows).toEqual([{ status: expect.stringMatching(/queued|leased|throttled/), job_type: 'cron.test' }]);
  }, 120_000);

  it('catch_up: after 10 missed slots fires the newest maxCatchUp (4) in order, each exactly once', async () => {
    await earlyInMinute();
    const s = await schedule({ misfirePolicy: 'catch_up', maxCatchUp: 4 });
    const now = Date.now();
    await downFor(s, 10.5, now);
    await waitFor(async () => (await fires(s.id)).length >= 4, { timeoutMs: 20_000, what: 'the caught-up fires' });
    await settle();
    expect(await fires(s.id)).toEqual(newestSlots(now, 4));
    await expectOneJobPerFire(s.id);
    const view = (await pg.query(`SELECT last_fire_at, next_fire_at FROM ledger.schedules WHERE id = $1`, [s.id])).rows[0];
    expect(new Date(view.last_fire_at).toISOString()).toBe(newestSlots(now, 1)[0]);
    expect(new Date(view.next_fire_at).getTime()).toBe(new Date(view.last_fire_at).getTime() + MIN);
  }, 120_000);

  it('pause stops firing, resume restarts at the next live slot without catching up the pause', async () => {
    await earlyInMinute();
    const s = await schedule({ misfirePolicy: 'catch_up', maxCatchUp: 10 });
    const now = Date.now();
    await downFor(s, 1.5, now);
    await waitFor(async () => (await fires(s.id)).length > 0, { timeoutMs: 20_000, what: 'the first fire' });
    const firstFires = await fires(s.id);
    await command<ScheduleChangeResult>('schedule-pause', { scheduleId: s.id, operator });
    // Five minutes pass while paused: their slots are due, were the schedule not paused.
    await pg.query(`UPDATE ledger.schedules SET created_at = created_at - interval '5 minutes', last_fire_at = last_fire_at - interval '5 minutes' WHERE id = $1`, [s.id]);
    await settle();
    expect(await fires(s.id)).toEqual(firstFires);
    const resumed = (await command<ScheduleChangeResult>('schedule-resume', { scheduleId: s.id, operator })).schedule;
    await settle();
    expect(await fires(s.id)).toEqual(firstFires);
    // The next live slot (within a minute) fires, once.
    const next = resumed.nextFireAt!;
    expect(new Date(next).getTime()).toBeGreaterThan(new Date(resumed.resumedAt!).getTime());
    await waitFor(async () => (await fires(s.id)).includes(next), { timeoutMs: 90_000, intervalMs: 250, what: 'the first slot after the resume' });
    await settle();
    expect(await fires(s.id)).toEqual([...firstFires, next]);
    await expectOneJobPerFire(s.id);
  }, 180_000);

  it('downtime: with every scheduler process stopped, a restarted one fires skip once and catch_up each missed slot', async () => {
    await earlyInMinute();
    for (const s of schedulers.splice(0)) {
      await s.stop();
      services.splice(services.indexOf(s), 1);
    }
    const skip = await schedule({ name: 'down skip', misfirePolicy: 'skip' });
    const catchUp = await schedule({ name: 'down catch_up', misfirePolicy: 'catch_up', maxCatchUp: 5 });
    // Three slots pass while no scheduler runs: written into the ledger as such an outage leaves it
    // (created 3 minutes ago, next fire overdue), since minutes cannot be skipped on a real clock.
    const now = Date.now();
    await downFor(skip, 3, now);
    await downFor(catchUp, 3, now);
    const missed = newestSlots(now, 3);
    expect(await fires(skip.id)).toEqual([]);
    expect(await fires(catchUp.id)).toEqual([]);
    // A fresh process, with no memory of either schedule, finds them overdue.
    const restarted = await startService('scheduler', env, { readyTimeoutMs: 120_000 });
    services.push(restarted);
    schedulers.push(restarted);
    await waitFor(async () => (await fires(catchUp.id)).length >= missed.length && (await fires(skip.id)).length > 0, { timeoutMs: 30_000, what: 'the missed slots to fire' });
    await settle();
    expect(await fires(skip.id)).toEqual(missed.slice(-1));
    expect(await fires(catchUp.id)).toEqual(missed);
    await expectOneJobPerFire(skip.id);
    await expectOneJobPerFire(catchUp.id);
  }, 180_000);

  it('every schedule of the run has exactly one job per fired slot', async () => {
    const { rows } = await pg.query(`SELECT id FROM ledger.schedules`);
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) await expectOneJobPerFire(r.id as string);
    const total = await pg.query(`SELECT (SELECT count(*)::int FROM ledger.schedule_fires) AS fires, (SELECT count(*)::int FROM ledger.jobs WHERE job_type = 'cron.test') AS jobs`);
    expect(total.rows[0].fires).toBe(total.rows[0].jobs);
  });

  it('runAt: a delayed job is not leased before its runAt, and is leased after it', async () => {
    const runAt = new Date(Date.now() + 2_500);
    const body = { tenant: TENANT, project: 'p1', jobType: 'runat.test', payload: {}, runAt: runAt.toISOString() };
    const data: SubmitJobCommand = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    const { job } = await command<SubmitJobResult>('submit', data);
    expect(job.status).toBe('pending');
    const claim = (waitMs: number) =>
      client.request<ClaimResult>(
        ns.names.worker(TENANT, 'claim'),
        { type: 'worker.claim', tenant: TENANT, project: '*', correlationId: randomUUID(), taskRunnerId: 'w-runat', data: { workerId: 'w-runat', jobTypes: ['runat.test'], max: 1, waitMs, leaseMs: 30_000 } },
        { timeoutMs: waitMs + 15_000 },
      );
    // Claims that end before runAt get nothing.
    const early = await claim(500);
    if (Date.now() < runAt.getTime()) expect(early.allocations).toEqual([]);
    const allocations = await waitFor(async () => {
      const r = await claim(10_000);
      return r.allocations.length > 0 ? r.allocations : null;
    }, { timeoutMs: 40_000, what: 'the runAt job to be leased' });
    expect(allocations.map((a) => a.jobId)).toEqual([job.id]);
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());
    const { rows } = await pg.query(`SELECT event_type, occurred_at FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [job.id]);
    expect(rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(['job.created', 'job.queued', 'job.leased']));
    for (const type of ['job.queued', 'job.leased']) {
      const event = rows.find((r) => r.event_type === type);
      expect(new Date(event.occurred_at).getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    }
  }, 60_000);
});
