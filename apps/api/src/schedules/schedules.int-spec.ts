import { AuditEntryView, ScheduleView } from '@orch/contracts';
import { nextFireTimes } from '@orch/domain';
import { waitFor } from '@orch/testing';
import { ApiStack } from '../test-support/api-stack';
import { controlPlaneCounts, expectProblem, operatorAuth, problemPaths, send } from '../test-support/control-plane';

interface Page<T> {
  items: T[];
  next_page_token: string | null;
}
interface Change {
  schedule: ScheduleView;
  changed: boolean;
}

const TENANT = 'acme';
const OTHER = 'globex';
const REASON = { 'X-Orch-Reason': 'schedule test' };
const BODY = { project: 'p1', name: 'nightly', cron: '30 2 * * *', timeZone: 'Europe/Berlin', job: { jobType: 'nvd.sync', payload: { feed: 'x' }, priority: 6 } };

describe('/api/v1/schedules (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let ops: Record<string, string>;
  let otherOps: Record<string, string>;

  const create = (body: unknown, headers: Record<string, string> = {}) => send<ScheduleView>(stack, 'POST', '/api/v1/schedules', { ...ops, ...REASON, ...headers }, body);
  const audits = async (id: string) => {
    const page = await stack.get<Page<AuditEntryView>>(`/api/v1/audit?targetType=schedule&targetId=${id}`, TENANT);
    return page.body.items.map((e) => e.action).reverse();
  };

  beforeAll(async () => {
    await stack.start();
    ops = await operatorAuth(stack, TENANT);
    otherOps = await operatorAuth(stack, OTHER);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('creates a schedule: 201 with Location and its next fire time; a replay is 200; another body with the key is 409; audited', async () => {
    const res = await create(BODY, { 'Idempotency-Key': 'sch-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/schedules/${res.body.id}`);
    expect(res.body).toMatchObject({ tenant: TENANT, cron: '30 2 * * *', timeZone: 'Europe/Berlin', misfirePolicy: 'skip', maxCatchUp: 10, paused: false, lastFireAt: null });
    expect(res.body.nextFireAt).toBe(nextFireTimes(BODY, new Date(res.body.createdAt), 1)[0].toISOString());
    const replay = await create(BODY, { 'Idempotency-Key': 'sch-1' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(res.body.id);
    expectProblem(await create({ ...BODY, name: 'other' }, { 'Idempotency-Key': 'sch-1' }), 409, 'idempotency_conflict');
    expect(await audits(res.body.id)).toEqual(['schedule.create']);
  });

  it('refuses a bad cron, a seconds field and an unknown time zone naming the field, and writes nothing', async () => {
    const before = await controlPlaneCounts(stack);
    for (const [patch, path] of [
      [{ cron: '61 * * * *' }, 'cron'],
      [{ cron: '0 30 2 * * *' }, 'cron'],
      [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ misfirePolicy: 'later' }, 'misfirePolicy'],
      [{ maxCatchUp: 0 }, 'maxCatchUp'],
    ] as const) {
      const res = await create({ ...BODY, ...patch });
      expectProblem(res, 400, 'validation_failed');
      expect(problemPaths(res)).toEqual([path]);
    }
    expectProblem(await send(stack, 'POST', '/api/v1/schedules', ops, BODY), 400, 'validation_failed');
    expect(await controlPlaneCounts(stack)).toEqual(before);
    const rows = await stack.pg.query(`SELECT count(*)::int AS n FROM ledger.schedules WHERE name <> 'nightly'`);
    expect(rows.rows[0].n).toBe(0);
  });

  it('gets one with its next N fire times and last fire; lists with cursor pagination; another tenant sees 404', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ ...BODY, name: `list-${i}`, cron: `${i} 4 * * *` })).body.id);
    const one = await stack.get<ScheduleView>(`/api/v1/schedules/${ids[1]}?next=3`, TENANT);
    expect(one.status).toBe(200);
    expect(one.body.nextFireTimes).toEqual(nextFireTimes({ cron: '1 4 * * *', timeZone: 'Europe/Berlin' }, Date.now(), 3).map((d) => d.toISOString()));
    expect(one.body.lastFire).toBeNull();
    expect((await stack.get<ScheduleView>(`/api/v1/schedules/${ids[1]}`, TENANT)).body.nextFireTimes).toHaveLength(5);
    expectProblem(await stack.get(`/api/v1/schedules/${ids[1]}?next=101`, TENANT), 400, 'validation_failed');
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof stack.get<Page<ScheduleView>>>> = await stack.get<Page<ScheduleView>>(`/api/v1/schedules?page_size=2${token ? `&page_token=${token}` : ''}`, TENANT);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s) => s.id));
      token = page.body.next_page_token;
    } while (token);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expectProblem(await stack.get(`/api/v1/schedules?page_token=nope`, TENANT), 400, 'validation_failed');
    expectProblem(await stack.get(`/api/v1/schedules/${ids[0]}`, OTHER), 404, 'not_found');
    expectProblem(await stack.get(`/api/v1/schedules/not-a-uuid`, TENANT), 404, 'not_found');
    expect((await stack.get<Page<ScheduleView>>(`/api/v1/schedules`, OTHER)).body.items).toEqual([]);
    expectProblem(await send(stack, 'POST', `/api/v1/schedules/${ids[0]}/pause`, { ...otherOps, ...REASON }), 404, 'not_found');
    expectProblem(await send(stack, 'PATCH', `/api/v1/schedules/${ids[0]}`, { ...otherOps, ...REASON }, { name: 'stolen' }), 404, 'not_found');
    expectProblem(await send(stack, 'DELETE', `/api/v1/schedules/${ids[0]}`, { ...otherOps, ...REASON }), 404, 'not_found');
    expect((await stack.get<ScheduleView>(`/api/v1/schedules/${ids[0]}`, TENANT)).body.name).toBe('list-0');
  });

  it('pauses and resumes (idempotent by key, audited), updates the cron, and deletes', async () => {
    const { body: s } = await create({ ...BODY, name: 'lifecycle' });
    const pause = () => send<Change>(stack, 'POST', `/api/v1/schedules/${s.id}/pause`, { ...ops, ...REASON, 'Idempotency-Key': `p-${s.id}` });
    const paused = await pause();
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ changed: true, schedule: { paused: true, nextFireAt: null } });
    const again = await pause();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await stack.get<ScheduleView>(`/api/v1/schedules/${s.id}`, TENANT)).body).toMatchObject({ paused: true, nextFireTimes: [] });
    expectProblem(await send(stack, 'POST', `/api/v1/schedules/${s.id}/pause`, { ...ops, ...REASON }, { paused: true }), 400, 'validation_failed');
    expectProblem(await send(stack, 'POST', `/api/v1/schedules/${s.id}/resume`, ops), 400, 'validation_failed');
    const resumed = await send<Change>(stack, 'POST', `/api/v1/schedules/${s.id}/resume`, { ...ops, ...REASON });
    expect(resumed.body).toMatchObject({ changed: true, schedule: { paused: false } });
    expect(new Date(resumed.body.schedule.nextFireAt!).getTime()).toBeGreaterThan(Date.now() - 1_000);
    const updated = await send<Change>(stack, 'PATCH', `/api/v1/schedules/${s.id}`, { ...ops, ...REASON }, { cron: '0 3 * * *', timeZone: 'America/New_York' });
    expect(updated.status).toBe(200);
    expect(updated.body.schedule).toMatchObject({ cron: '0 3 * * *', timeZone: 'America/New_York' });
    expect(updated.body.schedule.nextFireAt).toBe(nextFireTimes({ cron: '0 3 * * *', timeZone: 'America/New_York' }, new Date(updated.body.schedule.updatedAt), 1)[0].toISOString());
    expectProblem(await send(stack, 'PATCH', `/api/v1/schedules/${s.id}`, { ...ops, ...REASON }, {}), 400, 'validation_failed');
    const bad = await send(stack, 'PATCH', `/api/v1/schedules/${s.id}`, { ...ops, ...REASON }, { cron: 'nope' });
    expectProblem(bad, 400, 'validation_failed');
    expect(problemPaths(bad)).toEqual(['cron']);
    const deleted = await send(stack, 'DELETE', `/api/v1/schedules/${s.id}`, { ...ops, ...REASON });
    expect(deleted.body).toEqual({ scheduleId: s.id, deleted: true });
    expectProblem(await stack.get(`/api/v1/schedules/${s.id}`, TENANT), 404, 'not_found');
    const actions = await waitFor(async () => {
      const a = await audits(s.id);
      return a.length >= 5 ? a : null;
    }, { what: 'the audit entries' });
    expect(actions).toEqual(['schedule.create', 'schedule.pause', 'schedule.resume', 'schedule.update', 'schedule.delete']);
  });

  it('needs orch:operate and a reason to change, orch:read to read', async () => {
    const readOnly = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'] });
    expectProblem(await send(stack, 'POST', '/api/v1/schedules', { ...readOnly, ...REASON }, BODY), 403, 'forbidden');
    const operateOnly = await stack.authHeader({ tenant: TENANT, scopes: ['orch:operate'] });
    expectProblem(await send(stack, 'GET', '/api/v1/schedules', operateOnly), 403, 'forbidden');
  });
});
