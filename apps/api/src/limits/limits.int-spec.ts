import { AuditEntryView, LimitRuleView, PauseView, QuotaRemainingResult } from '@orch/contracts';
import { ServiceProcess, startService, waitFor } from '@orch/testing';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, problemPaths, send } from '../test-support/control-plane';

const TENANT = 'acme';
const OTHER = 'globex';
const OPS = { 'X-Orch-Reason': 'protect the NVD upstream', 'X-Orch-Ticket': 'OPS-101' };
const RULE = { id: 'nvd-cap', kind: 'concurrency', match: { jobType: 'nvd.sync' }, per: ['tenant', 'jobType'], maxInFlight: 2 };

describe('/api/v1/limits and /api/v1/quotas (api, ledger-writer and rate-limiter as real processes)', () => {
  const stack = new ApiStack();
  let rateLimiter: ServiceProcess;
  let quota: Record<string, string>;
  let otherQuota: Record<string, string>;
  let reader: Record<string, string>;
  let operate: Record<string, string>;

  beforeAll(async () => {
    await stack.start();
    rateLimiter = await startService('rate-limiter', stack.env);
    quota = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read', 'orch:quota'], sub: 'ops@example.com' });
    otherQuota = await stack.authHeader({ tenant: OTHER, scopes: ['orch:read', 'orch:quota'] });
    reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'] });
    operate = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'] });
  }, 150_000);
  afterAll(async () => {
    await rateLimiter?.stop().catch(() => undefined);
    await stack.stop();
  }, 60_000);

  const ruleCount = async () => (await stack.pg.query(`SELECT count(*)::int AS n FROM limits.rules`)).rows[0].n as number;

  it('puts a rule (201, then 200 when replaced), lists and gets it, and audits each change with reason and ticket', async () => {
    const created = await send<{ rule: LimitRuleView; created: boolean }>(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS, 'Idempotency-Key': 'rule-1' }, RULE);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v1/limits/rules/nvd-cap');
    expect(created.body).toMatchObject({ created: true, rule: { id: 'nvd-cap', tenant: TENANT, kind: 'concurrency', maxInFlight: 2, updatedBy: 'ops@example.com' } });
    const replaced = await send<{ rule: LimitRuleView; created: boolean }>(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS }, { ...RULE, maxInFlight: 4 });
    expect(replaced.status).toBe(200);
    expect(replaced.body.rule.maxInFlight).toBe(4);

    const list = await send<{ items: LimitRuleView[] }>(stack, 'GET', '/api/v1/limits/rules?kind=concurrency', reader);
    expect(list.body.items.map((r) => r.id)).toEqual(['nvd-cap']);
    const one = await send<LimitRuleView>(stack, 'GET', '/api/v1/limits/rules/nvd-cap', reader);
    expect(one.body).toMatchObject({ id: 'nvd-cap', maxInFlight: 4 });

    await waitFor(async () => {
      const page = await stack.get<{ items: AuditEntryView[] }>('/api/v1/audit?targetType=limit_rule&targetId=nvd-cap', TENANT);
      return page.body.items.length === 2 ? page : null;
    }, { timeoutMs: 15_000, what: 'two audit entries' });
    const audit = await stack.get<{ items: AuditEntryView[] }>('/api/v1/audit?targetType=limit_rule&targetId=nvd-cap', TENANT);
    expect(audit.body.items[0]).toMatchObject({ action: 'limits.rule.put', reason: OPS['X-Orch-Reason'], ticket: OPS['X-Orch-Ticket'] });
  });

  it('refuses a change without orch:quota (403), without a ticket or reason (400), and an invalid rule naming its fields, changing nothing', async () => {
    const before = await ruleCount();
    expectProblem(await send(stack, 'POST', '/api/v1/limits/rules', { ...operate, ...OPS }, RULE), 403, 'forbidden');
    expectProblem(await send(stack, 'POST', '/api/v1/limits/rules', { ...reader, ...OPS }, RULE), 403, 'forbidden');
    const noTicket = await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, 'X-Orch-Reason': 'r' }, RULE);
    expectProblem(noTicket, 400, 'validation_failed');
    expect(problemPaths(noTicket)).toEqual(['X-Orch-Ticket']);
    expectProblem(await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, 'X-Orch-Ticket': 't' }, RULE), 400, 'validation_failed');
    const bad = await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS }, { id: 'r2', kind: 'rate', ratePerSecond: 0, burst: 0, per: ['tenant'] });
    expectProblem(bad, 400, 'validation_failed');
    expect([...new Set(problemPaths(bad))].sort()).toEqual(['burst', 'ratePerSecond']);
    const unknown = await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS }, { ...RULE, colour: 'red' });
    expectProblem(unknown, 400, 'validation_failed');
    expect(problemPaths(unknown)).toEqual(['colour']);
    expectProblem(await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS }, [RULE]), 400, 'validation_failed');
    expect(await ruleCount()).toBe(before);
  });

  it("answers another tenant's rule and a malformed id 404, and lets each tenant use the same id for its own rule", async () => {
    expectProblem(await send(stack, 'GET', '/api/v1/limits/rules/nvd-cap', otherQuota), 404, 'not_found');
    expectProblem(await send(stack, 'DELETE', '/api/v1/limits/rules/nvd-cap', { ...otherQuota, ...OPS }), 404, 'not_found');
    expectProblem(await send(stack, 'GET', '/api/v1/limits/rules/not%7Cvalid', reader), 404, 'not_found');
    const theirs = await send<{ rule: LimitRuleView }>(stack, 'POST', '/api/v1/limits/rules', { ...otherQuota, ...OPS }, { ...RULE, maxInFlight: 9 });
    expect(theirs.status).toBe(201);
    expect((await send<LimitRuleView>(stack, 'GET', '/api/v1/limits/rules/nvd-cap', reader)).body.maxInFlight).toBe(4);
  });

  it('pauses and resumes: 201 with Location, a replay 200 with Idempotent-Replayed, another body with the key 409; listed; deleted', async () => {
    const body = { match: { source: 'nvd.nist.gov' }, reason: 'NVD maintenance' };
    const headers = { ...quota, ...OPS, 'Idempotency-Key': 'pause-1' };
    const created = await send<PauseView>(stack, 'POST', '/api/v1/limits/pauses', headers, body);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/limits/pauses/${created.body.id}`);
    expect(created.body).toMatchObject({ tenant: TENANT, match: body.match, reason: 'NVD maintenance', until: null, active: true });
    const replay = await send<PauseView>(stack, 'POST', '/api/v1/limits/pauses', headers, body);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(created.body.id);
    expectProblem(await send(stack, 'POST', '/api/v1/limits/pauses', headers, { ...body, reason: 'other' }), 409, 'idempotency_conflict');
    const bad = await send(stack, 'POST', '/api/v1/limits/pauses', { ...quota, ...OPS }, { match: { jobType: 'bad type' }, until: 'tomorrow' });
    expectProblem(bad, 400, 'validation_failed');
    expect(problemPaths(bad).sort()).toEqual(['match.jobType', 'until']);

    expect((await send<{ items: PauseView[] }>(stack, 'GET', '/api/v1/limits/pauses', reader)).body.items.map((p) => p.id)).toEqual([created.body.id]);
    expect((await send<{ items: PauseView[] }>(stack, 'GET', '/api/v1/limits/pauses?active=false', reader)).body.items).toEqual([]);
    expectProblem(await send(stack, 'GET', '/api/v1/limits/pauses?active=maybe', reader), 400, 'validation_failed');
    expectProblem(await send(stack, 'DELETE', `/api/v1/limits/pauses/${created.body.id}`, { ...otherQuota, ...OPS }), 404, 'not_found');
    const resumed = await send(stack, 'DELETE', `/api/v1/limits/pauses/${created.body.id}`, { ...quota, ...OPS });
    expect(resumed).toMatchObject({ status: 200, body: { deleted: true, id: created.body.id } });
    expectProblem(await send(stack, 'DELETE', '/api/v1/limits/pauses/nonsense', { ...quota, ...OPS }), 404, 'not_found');
  });

  it('answers the quota remaining for a job type, and refuses a query without jobType', async () => {
    await send(stack, 'POST', '/api/v1/limits/rules', { ...quota, ...OPS }, { id: 'nvd-quota', kind: 'quota', match: { jobType: 'nvd.sync' }, per: ['tenant', 'jobType'], maxPerHour: 100 });
    const rem = await send<QuotaRemainingResult>(stack, 'GET', '/api/v1/quotas/remaining?jobType=nvd.sync', reader);
    expect(rem.status).toBe(200);
    expect(rem.body.quotas).toEqual([
      { ruleId: 'nvd-quota', key: `${TENANT}:nvd-quota|tenant=${TENANT}|jobType=nvd.sync`, active: null, hour: { limit: 100, used: 0, remaining: 100, resetAt: expect.any(String) }, day: null },
    ]);
    const bad = await send(stack, 'GET', '/api/v1/quotas/remaining?project=p1&x=1', reader);
    expectProblem(bad, 400, 'validation_failed');
    expect(problemPaths(bad).sort()).toEqual(['jobType', 'x']);
  });

  it('deletes a rule: 200, then 404', async () => {
    expect(await send(stack, 'DELETE', '/api/v1/limits/rules/nvd-cap', { ...quota, ...OPS })).toMatchObject({ status: 200, body: { deleted: true, id: 'nvd-cap' } });
    expectProblem(await send(stack, 'DELETE', '/api/v1/limits/rules/nvd-cap', { ...quota, ...OPS }), 404, 'not_found');
  });
});
