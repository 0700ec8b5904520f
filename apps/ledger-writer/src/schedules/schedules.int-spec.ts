import {
  CreateScheduleRequest,
  OperatorContext,
  OrchError,
  ScheduleChangeResult,
  ScheduleFireResult,
  ScheduleView,
} from '@orch/contracts';
import { fireId, nextFireTimes } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createLedgerDataSource, LedgerReader, ScheduleStore } from '@orch/persistence';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const TENANT = 'sched';
const operator: OperatorContext = { subject: 'alice@example.com', scopes: ['orch:read', 'orch:operate'], reason: 'nightly export' };
const request: CreateScheduleRequest = {
  project: 'p1',
  name: 'every minute',
  cron: '* * * * *',
  timeZone: 'Europe/Berlin',
  job: { jobType: 'demo.echo', payload: { hello: 'cron' }, priority: 7 },
};

describe('ledger-writer schedule commands (real process, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ds: DataSource;
  let ledger: ServiceProcess;
  let client: OrchClient;
  const store = new ScheduleStore();
  const reader = new LedgerReader();

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    ledger = await startService('ledger-writer', { DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: ns.names.namespace, OUTBOX_POLL_MS: '100' });
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

  async function refusal(p: Promise<unknown>): Promise<OrchError> {
    const outcome = await p.then(() => null, (err: unknown) => err);
    expect(outcome).toBeInstanceOf(OrchError);
    return outcome as OrchError;
  }

  /** A schedule created an hour ago (the clock cannot be moved, so its creation time is). */
  async function createdAnHourAgo(extra: Partial<CreateScheduleRequest> = {}): Promise<ScheduleView> {
    const { schedule } = await command<ScheduleChangeResult>('schedule-create', { ...request, ...extra, operator });
    await ds.query(`UPDATE ledger.schedules SET created_at = now() - interval '1 hour' WHERE id = $1`, [schedule.id]);
    return schedule;
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await ds.query(sql, params))[0].n);
  const auditActions = async (id: string) =>
    ((await ds.query(`SELECT action FROM ledger.audit_log WHERE target_id = $1 ORDER BY seq`, [id])) as { action: string }[]).map((r) => r.action);

  it('creates a schedule with its next fire time and audits the creation in the same transaction', async () => {
    const { schedule, changed } = await command<ScheduleChangeResult>('schedule-create', { ...request, operator });
    expect(changed).toBe(true);
    expect(schedule).toMatchObject({ tenant: TENANT, cron: '* * * * *', timeZone: 'Europe/Berlin', misfirePolicy: 'skip', maxCatchUp: 10, paused: false });
    expect(new Date(schedule.nextFireAt!).getTime()).toBe(nextFireTimes(schedule, new Date(schedule.createdAt), 1)[0].getTime());
    expect(await auditActions(schedule.id)).toEqual(['schedule.create']);
  });

  it('refuses a bad cron or an unknown time zone naming the field, and writes nothing', async () => {
    const schedules = await count(`SELECT count(*) AS n FROM ledger.schedules`);
    const audits = await count(`SELECT count(*) AS n FROM ledger.audit_log`);
    const badCron = await refusal(command('schedule-create', { ...request, cron: '61 * * * *', operator }));
    expect(badCron.code).toBe('validation_failed');
    expect(badCron.errors?.map((e) => e.path)).toEqual(['cron']);
    const badZone = await refusal(command('schedule-create', { ...request, timeZone: 'Mars/Olympus', operator }));
    expect(badZone.errors?.map((e) => e.path)).toEqual(['timeZone']);
    expect(await count(`SELECT count(*) AS n FROM ledger.schedules`)).toBe(schedules);
    expect(await count(`SELECT count(*) AS n FROM ledger.audit_log`)).toBe(audits);
  });

  it('fires a slot once however many times and however concurrently it is asked', async () => {
    const schedule = await createdAnHourAgo();
    const slot = nextFireTimes(schedule, Date.now() - 10 * 60_000, 1)[0].toISOString();
    const replies = await Promise.all([1, 2, 3, 4].map(() => command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [slot] })));
    const again = await command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [slot] });
    const fired = [...replies, again].flatMap((r) => r.fired);
    expect(fired).toHaveLength(1);
    const fires = await store.listFires(ds, schedule.id);
    expect(fires.map((f) => f.fireTime.toISOString())).toEqual([slot]);
    const job = await reader.getJob(ds, TENANT, fires[0].jobId);
    expect(job).toMatchObject({ jobType: 'demo.echo', priority: 7, status: 'queued', idempotencyKey: fireId(schedule.id, new Date(slot)), payload: { hello: 'cron' } });
    expect((await reader.listJobEvents(ds, TENANT, job!.id)).map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
    expect(await count(`SELECT count(*) AS n FROM ledger.jobs WHERE idempotency_key LIKE $1`, [`${schedule.id}@%`])).toBe(1);
    const after = await reader.getSchedule(ds, TENANT, schedule.id);
    expect(after!.lastFireAt!.toISOString()).toBe(slot);
  });

  it('never fires a time that is not a slot, is not after the last fire, or lies in the future', async () => {
    const schedule = await createdAnHourAgo();
    const [a, b] = nextFireTimes(schedule, Date.now() - 5 * 60_000, 2);
    await command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [b.toISOString()] });
    const r = await command<ScheduleFireResult>('schedule-fire', {
      scheduleId: schedule.id,
      fireTimes: [a.toISOString(), new Date(b.getTime() + 30_000).toISOString(), new Date(Date.now() + 3_600_000).toISOString()],
    });
    expect(r.fired).toEqual([]);
    expect(r.skipped.map((s) => s.reason).sort()).toEqual(['in_future', 'not_a_fire_time', 'not_after_last_fire']);
    expect(await store.listFires(ds, schedule.id)).toHaveLength(1);
  });

  it('audits pause and resume; a paused schedule does not fire and resuming does not catch up the pause', async () => {
    const schedule = await createdAnHourAgo();
    const paused = await command<ScheduleChangeResult>('schedule-pause', { scheduleId: schedule.id, operator });
    expect(paused.schedule).toMatchObject({ paused: true, nextFireAt: null, version: 2 });
    const again = await command<ScheduleChangeResult>('schedule-pause', { scheduleId: schedule.id, operator });
    expect(again.changed).toBe(false);
    const slot = nextFireTimes(schedule, Date.now() - 5 * 60_000, 1)[0].toISOString();
    const r = await command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [slot] });
    expect(r).toMatchObject({ fired: [], skipped: [{ fireTime: slot, reason: 'paused' }] });
    const resumed = await command<ScheduleChangeResult>('schedule-resume', { scheduleId: schedule.id, operator });
    expect(resumed.schedule.paused).toBe(false);
    expect(new Date(resumed.schedule.nextFireAt!).getTime()).toBeGreaterThan(new Date(resumed.schedule.resumedAt!).getTime());
    const late = await command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [slot] });
    expect(late.skipped).toEqual([{ fireTime: slot, reason: 'not_after_last_fire' }]);
    expect(await auditActions(schedule.id)).toEqual(['schedule.create', 'schedule.pause', 'schedule.pause', 'schedule.resume']);
    const entry = (await ds.query(`SELECT actor, reason, before, after FROM ledger.audit_log WHERE target_id = $1 AND action = 'schedule.pause' ORDER BY seq LIMIT 1`, [schedule.id]))[0];
    expect(entry).toMatchObject({ reason: 'nightly export', before: { paused: false }, after: { paused: true }, actor: { subject: 'alice@example.com' } });
  });

  it("answers another tenant's schedule as not found and leaves it alone", async () => {
    const schedule = await createdAnHourAgo();
    expect((await refusal(command('schedule-get', { scheduleId: schedule.id }, 'other'))).code).toBe('not_found');
    expect((await refusal(command('schedule-pause', { scheduleId: schedule.id, operator }, 'other'))).code).toBe('not_found');
    expect((await refusal(command('schedule-delete', { scheduleId: schedule.id, operator }, 'other'))).code).toBe('not_found');
    const view = await command<ScheduleView>('schedule-get', { scheduleId: schedule.id, nextCount: 3 });
    expect(view.paused).toBe(false);
    expect(view.nextFireTimes).toHaveLength(3);
  });

  it('replays a create with the same idempotency key and refuses the key with another body', async () => {
    const idempotency = { key: `k-${randomUUID()}`, scope: 'POST /api/v1/schedules', requestDigest: 'a'.repeat(64) };
    const first = await command<ScheduleChangeResult>('schedule-create', { ...request, operator, idempotency });
    const second = await command<ScheduleChangeResult>('schedule-create', { ...request, operator, idempotency });
    expect(second).toMatchObject({ replayed: true, changed: false, schedule: { id: first.schedule.id } });
    const conflict = await refusal(command('schedule-create', { ...request, operator, idempotency: { ...idempotency, requestDigest: 'b'.repeat(64) } }));
    expect(conflict.code).toBe('idempotency_conflict');
    expect(await auditActions(first.schedule.id)).toEqual(['schedule.create']);
  });

  it('bounds one firing by the misfire policy whatever is asked: skip keeps the newest slot, catch_up the newest maxCatchUp', async () => {
    const skip = await createdAnHourAgo();
    const slots = nextFireTimes(skip, Date.now() - 10 * 60_000, 5).map((t) => t.toISOString());
    const r = await command<ScheduleFireResult>('schedule-fire', { scheduleId: skip.id, fireTimes: slots });
    expect(r.fired.map((f) => f.fireTime)).toEqual([slots[4]]);
    expect(r.skipped).toEqual(slots.slice(0, 4).map((fireTime) => ({ fireTime, reason: 'misfire_dropped' })));
    const catchUp = await createdAnHourAgo({ misfirePolicy: 'catch_up', maxCatchUp: 3 });
    const c = await command<ScheduleFireResult>('schedule-fire', { scheduleId: catchUp.id, fireTimes: slots });
    expect(c.fired.map((f) => f.fireTime)).toEqual(slots.slice(2));
    expect((await store.listFires(ds, catchUp.id)).map((f) => f.fireTime.toISOString())).toEqual(slots.slice(2));
    expect(await count(`SELECT count(*) AS n FROM ledger.jobs WHERE idempotency_key LIKE $1`, [`${catchUp.id}@%`])).toBe(3);
  });

  it('updates with an audit entry; a new cron fires from the change on, not its past slots; an empty update is refused', async () => {
    const schedule = await createdAnHourAgo();
    const { schedule: updated } = await command<ScheduleChangeResult>('schedule-update', { scheduleId: schedule.id, cron: '*/2 * * * *', name: 'every two', operator });
    expect(updated).toMatchObject({ cron: '*/2 * * * *', name: 'every two', version: 2 });
    expect(new Date(updated.resumedAt!).getTime()).toBe(new Date(updated.updatedAt).getTime());
    expect(new Date(updated.nextFireAt!).getTime()).toBe(nextFireTimes(updated, new Date(updated.updatedAt), 1)[0].getTime());
    const past = nextFireTimes(updated, Date.now() - 10 * 60_000, 1)[0].toISOString();
    const r = await command<ScheduleFireResult>('schedule-fire', { scheduleId: schedule.id, fireTimes: [past] });
    expect(r.skipped).toEqual([{ fireTime: past, reason: 'not_after_last_fire' }]);
    const empty = await refusal(command('schedule-update', { scheduleId: schedule.id, operator }));
    expect(empty.code).toBe('validation_failed');
    const badCron = await refusal(command('schedule-update', { scheduleId: schedule.id, cron: '0 30 2 * * *', operator }));
    expect(badCron.errors?.map((e) => e.path)).toEqual(['cron']);
    expect(await auditActions(schedule.id)).toEqual(['schedule.create', 'schedule.update']);
  });

  it('answers a retried pause with the same key from its record, even after a delete', async () => {
    const schedule = await createdAnHourAgo();
    const idempotency = { key: `p-${randomUUID()}`, scope: 'POST /api/v1/schedules/{id}/pause', requestDigest: 'c'.repeat(64) };
    const first = await command<ScheduleChangeResult>('schedule-pause', { scheduleId: schedule.id, operator, idempotency });
    await command<ScheduleChangeResult>('schedule-delete', { scheduleId: schedule.id, operator });
    const again = await command<ScheduleChangeResult>('schedule-pause', { scheduleId: schedule.id, operator, idempotency });
    expect(again).toMatchObject({ replayed: true, changed: false, schedule: { id: schedule.id, paused: true, version: first.schedule.version } });
  });

  it('deletes a schedule with an audit entry; it is then not found', async () => {
    const schedule = await createdAnHourAgo();
    const r = await command<ScheduleChangeResult>('schedule-delete', { scheduleId: schedule.id, operator });
    expect(r.changed).toBe(true);
    expect((await refusal(command('schedule-get', { scheduleId: schedule.id }))).code).toBe('not_found');
    expect(await auditActions(schedule.id)).toEqual(['schedule.create', 'schedule.delete']);
  });
});
