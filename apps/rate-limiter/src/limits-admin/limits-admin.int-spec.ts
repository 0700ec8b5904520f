import {
  CreatePauseResult,
  LimitRuleView,
  OrchError,
  PauseView,
  PutLimitRuleResult,
  QuotaRemainingResult,
  RateLimitAdmitResult,
  limitsChangedSubject,
} from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { parseEnv, RunningService } from '@orch/service-kit';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { RateLimiterConfig } from '../config';
import { startRateLimiter } from '../start-rate-limiter';

const operator = { subject: 'ops@example.com', scopes: ['orch:quota'], reason: 'upstream asked us to slow down', ticket: 'OPS-42' };
const cand = (jobType: string) => ({ jobId: uuidv7(), attempt: 1, project: 'p1', jobType, priority: 5 });

describe('rate-limiter limits admin commands (real NATS + PostgreSQL; ledger-writer as a process for the audit)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let client: OrchClient;
  let ledgerWriter: ServiceProcess;
  let limiter: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase('orch_rla');
    ns = await createTestNamespace();
    const env = { NATS_URL: TEST_NATS_URL, DATABASE_URL: db.url, ORCH_NAMESPACE: ns.names.namespace, LOG_LEVEL: 'warn' };
    ledgerWriter = await startService('ledger-writer', env);
    limiter = await startRateLimiter(parseEnv(RateLimiterConfig, { ...env, HTTP_PORT: '0' }), { handleSignals: false });
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await limiter?.shutdown('test done');
    await ledgerWriter?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  });

  const send = <T>(verb: string, tenant: string, data: unknown) =>
    client.command<T>('rate-limiter', verb, { type: `ratelimiter.${verb}`, tenant, project: '*', correlationId: `corr-${verb}`, data });
  const admit = (tenant: string, jobs: unknown[]) => send<RateLimitAdmitResult>('admit', tenant, { jobs });

  it('refuses an invalid rule with validation_failed naming every field, and stores nothing', async () => {
    const err = await send('limits.rule.put', 't1', { rule: { id: 'bad|id', kind: 'rate', ratePerSecond: -1, burst: 0, per: ['nope'], extra: 1 }, operator }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    expect((err as OrchError).errors?.map((e) => e.path).sort()).toEqual(['rule.burst', 'rule.extra', 'rule.id', 'rule.per[0]', 'rule.ratePerSecond']);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM limits.rules`);
    expect(rows[0].n).toBe(0);
  });

  it('refuses a change without a ticket (operator context needs reason and ticket)', async () => {
    const err = await send('limits.rule.put', 't1', { rule: { id: 'r0', kind: 'concurrency', maxInFlight: 1 }, operator: { ...operator, ticket: undefined } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation_failed' });
    expect([...new Set((err as OrchError).errors?.map((e) => e.path))]).toEqual(['operator.ticket']);
  });

  it('puts a rule that applies to the next admission, announces the change, and audits it in the ledger', async () => {
    const notices: string[] = [];
    const sub = ns.nc.subscribe(limitsChangedSubject(ns.names.namespace, 't1'), { callback: (_e, m) => void notices.push(m.string()) });
    await ns.nc.flush();
    const put = await send<PutLimitRuleResult>('limits.rule.put', 't1', {
      rule: { id: 'cap-1', kind: 'concurrency', match: { jobType: 'adm.a' }, per: ['tenant', 'jobType'], maxInFlight: 1, tenant: 'someone-else' },
      operator,
    });
    expect(put).toMatchObject({ created: true, rule: { id: 'cap-1', kind: 'concurrency', tenant: 't1', maxInFlight: 1, updatedBy: operator.subject } });
    const jobs = [cand('adm.a'), cand('adm.a')];
    const res = await admit('t1', jobs);
    expect(res.allowed).toEqual([jobs[0].jobId]);
    expect(res.throttled[0].reason).toMatchObject({ code: 'concurrency_cap', ruleId: 'cap-1' });
    await waitFor(() => notices.length > 0, { timeoutMs: 5_000, what: 'limits changed notice' });
    sub.unsubscribe();

    const replaced = await send<PutLimitRuleResult>('limits.rule.put', 't1', { rule: { id: 'cap-1', kind: 'concurrency', match: { jobType: 'adm.a' }, per: ['tenant', 'jobType'], maxInFlight: 2 }, operator });
    expect(replaced.created).toBe(false);
    expect((await admit('t1', jobs)).allowed).toEqual(jobs.map((j) => j.jobId));

    await waitFor(
      async () => (await pg.query(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE tenant = 't1' AND target_id = 'cap-1'`)).rows[0].n === 2,
      { timeoutMs: 15_000, what: 'two audit entries for cap-1' },
    );
    const { rows } = await pg.query(`SELECT action, target_type, reason, ticket, before, after, actor FROM ledger.audit_log WHERE tenant = 't1' AND target_id = 'cap-1' ORDER BY seq`);
    expect(rows[0]).toMatchObject({ action: 'limits.rule.put', target_type: 'limit_rule', reason: operator.reason, ticket: operator.ticket, before: null, after: expect.objectContaining({ maxInFlight: 1 }) });
    expect(rows[1]).toMatchObject({ before: expect.objectContaining({ maxInFlight: 1 }), after: expect.objectContaining({ maxInFlight: 2 }) });
  });

  it("lists and gets the tenant's rules; another tenant's rule is not found", async () => {
    const list = await send<{ items: LimitRuleView[] }>('limits.rule.list', 't1', {});
    expect(list.items.map((r) => r.id)).toEqual(['cap-1']);
    await expect(send('limits.rule.get', 't1', { id: 'cap-1' })).resolves.toMatchObject({ id: 'cap-1' });
    await expect(send('limits.rule.get', 't2', { id: 'cap-1' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(send('limits.rule.delete', 't2', { id: 'cap-1', operator })).rejects.toMatchObject({ code: 'not_found' });
    await expect(send('limits.rule.list', 't2', {})).resolves.toEqual({ items: [] });
    // Every tenant has its own rule ids: t2's cap-1 is another rule, and t1's is untouched.
    await expect(send('limits.rule.put', 't2', { rule: { id: 'cap-1', kind: 'concurrency', match: { jobType: 'adm.t2' }, maxInFlight: 3 }, operator })).resolves.toMatchObject({ created: true, rule: { id: 'cap-1', tenant: 't2' } });
    await expect(send('limits.rule.get', 't1', { id: 'cap-1' })).resolves.toMatchObject({ tenant: 't1', maxInFlight: 2 });
  });

  it('deletes a rule: the next admission no longer applies it', async () => {
    await expect(send('limits.rule.delete', 't1', { id: 'cap-1', operator })).resolves.toEqual({ deleted: true, id: 'cap-1' });
    const jobs = [cand('adm.a'), cand('adm.a'), cand('adm.a')];
    expect((await admit('t1', jobs)).allowed).toHaveLength(3);
    await expect(send('limits.rule.delete', 't1', { id: 'cap-1', operator })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('pauses a job type: its jobs are held as paused with the reason, others run; resume lets them go', async () => {
    const created = await send<CreatePauseResult>('limits.pause.create', 't1', { match: { jobType: 'adm.p' }, reason: 'maintenance window', operator });
    expect(created).toMatchObject({ created: true, pause: { tenant: 't1', match: { jobType: 'adm.p' }, reason: 'maintenance window', until: null, active: true } });
    const [p, other] = [cand('adm.p'), cand('adm.other')];
    const res = await admit('t1', [p, other]);
    expect(res.allowed).toEqual([other.jobId]);
    expect(res.throttled).toEqual([
      expect.objectContaining({ jobId: p.jobId, nextEligibleAt: null, reason: expect.objectContaining({ code: 'paused', ruleId: created.pause.id, detail: 'paused: maintenance window' }) }),
    ]);
    const listed = await send<{ items: PauseView[] }>('limits.pause.list', 't1', {});
    expect(listed.items.map((x) => x.id)).toEqual([created.pause.id]);

    await expect(send('limits.pause.delete', 't1', { id: created.pause.id, operator })).resolves.toEqual({ deleted: true, id: created.pause.id });
    expect((await admit('t1', [p])).allowed).toEqual([p.jobId]);
    await waitFor(
      async () => (await pg.query(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE tenant = 't1' AND target_type = 'limit_pause'`)).rows[0].n === 2,
      { timeoutMs: 15_000, what: 'pause create + delete audited' },
    );
  });

  it('replays a pause created with the same Idempotency-Key, and refuses the key with another request', async () => {
    const idempotency = { key: 'k-1', scope: 'POST /api/v1/limits/pauses', requestDigest: 'a'.repeat(64) };
    const first = await send<CreatePauseResult>('limits.pause.create', 't3', { match: {}, reason: 'all of t3', operator, idempotency });
    const again = await send<CreatePauseResult>('limits.pause.create', 't3', { match: {}, reason: 'all of t3', operator, idempotency });
    expect(again).toEqual({ created: false, pause: first.pause });
    await expect(send('limits.pause.create', 't3', { match: { jobType: 'x' }, reason: 'all of t3', operator, idempotency })).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });

  it('reports quota remaining per applying quota, counting admissions', async () => {
    await send('limits.rule.put', 't4', { rule: { id: 'quota-t4', kind: 'quota', match: { jobType: 'adm.q' }, per: ['tenant', 'jobType'], maxActive: 5, maxPerDay: 10 }, operator });
    await admit('t4', [cand('adm.q'), cand('adm.q'), cand('adm.q')]);
    const rem = await send<QuotaRemainingResult>('limits.quota.remaining', 't4', { jobType: 'adm.q' });
    expect(rem.quotas).toEqual([
      {
        ruleId: 'quota-t4',
        key: 't4:quota-t4|tenant=t4|jobType=adm.q',
        active: { limit: 5, used: 3, remaining: 2, resetAt: null },
        hour: null,
        day: { limit: 10, used: 3, remaining: 7, resetAt: expect.stringMatching(/T00:00:00\.000Z$/) },
      },
    ]);
    await expect(send<QuotaRemainingResult>('limits.quota.remaining', 't4', { jobType: 'other' })).resolves.toEqual({ quotas: [] });
    await expect(send('limits.quota.remaining', 't4', { jobType: 'bad type!' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
