import { isTerminal, JobStatus, JobView, LedgerEventView } from '@orch/contracts';
import { canTransition, verifyChain } from '@orch/domain';
import { E2eCluster, waitFor } from '@orch/testing';

const TENANT = 'e2e';
const TERMINAL_EVENTS = ['job.succeeded', 'job.failed', 'job.canceled', 'job.timed_out'];

interface Planned {
  kind: 'echo' | 'fail' | 'flaky' | 'victim';
  id: string;
  payload: Record<string, unknown>;
}

describe('one job journey through the real services (100 jobs, retries, dead letters, a killed worker)', () => {
  const cluster = new E2eCluster({
    LEASE_DEFAULT_MS: '3000',
    REAPER_INTERVAL_MS: '250',
    BACKOFF_BASE_MS: '100',
    BACKOFF_MAX_MS: '400',
    SCHEDULER_POLL_MS: '250',
  });
  const planned: Planned[] = [];
  /** A producer's token for the tenant: submits (orch:operate) and reads (orch:read). */
  let token: string;

  beforeAll(async () => {
    await cluster.start();
    token = await cluster.token({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'], sub: 'journey' });
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  async function submit(body: Record<string, unknown>, key: string): Promise<JobView> {
    const res = await cluster.api('/api/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    }, token);
    expect(res.status).toBe(201);
    return (await res.json()) as JobView;
  }

  async function getJob(id: string): Promise<JobView> {
    const res = await cluster.api(`/api/v1/jobs/${id}`, {}, token);
    expect(res.status).toBe(200);
    return (await res.json()) as JobView;
  }

  it('runs every job to exactly one terminal state with a consistent ledger, surviving a SIGKILLed worker', async () => {
    // A worker that will be killed mid-job holds the long "victim" job.
    const doomed = await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '4' });
    const victim = await submit({ tenant: TENANT, project: 'p1', jobType: 'demo.echo', payload: { sleepMs: 6000, victim: true }, maxAttempts: 3 }, 'victim');
    planned.push({ kind: 'victim', id: victim.id, payload: { sleepMs: 6000, victim: true } });
    const running = await waitFor(async () => {
      const j = await getJob(victim.id);
      return j.status === 'running' ? j : null;
    }, { timeoutMs: 30_000, what: 'victim running' });
    expect(running.lease?.workerId).toContain(`-${doomed.pid}-`);
    // Kill the worker holding the victim, mid-job, without any chance to clean up.
    await doomed.kill('SIGKILL');

    // 100 more jobs: successes, flaky ones that succeed on attempt 2, and failures that dead-letter.
    const healthy = [
      await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '8' }),
      await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '8' }),
    ];
    expect(healthy).toHaveLength(2);
    const bodies: Planned[] = [];
    for (let i = 0; i < 100; i++) {
      const kind = i % 10 < 7 ? 'echo' : i % 10 < 9 ? 'fail' : 'flaky';
      const payload = kind === 'echo' ? { i, sleepMs: i % 5 === 0 ? 200 : 0 } : kind === 'flaky' ? { i, failUntilAttempt: 2 } : { i };
      const jobType = kind === 'echo' ? 'demo.echo' : kind === 'fail' ? 'demo.fail' : 'demo.flaky';
      const job = await submit({ tenant: TENANT, project: `p${i % 3}`, jobType, payload, maxAttempts: kind === 'fail' ? 2 : 3, priority: i % 10 }, `job-${i}`);
      bodies.push({ kind, id: job.id, payload });
    }
    planned.push(...bodies);

    await waitFor(async () => {
      const { rows } = await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE status NOT IN ('succeeded','failed','canceled','timed_out')`);
      return rows[0].n === 0;
    }, { timeoutMs: 120_000, intervalMs: 250, what: 'all jobs terminal' });

    const { rows: jobs } = await cluster.pg.query(`SELECT id, status, attempt, result, status_reason FROM ledger.jobs`);
    expect(jobs).toHaveLength(101);
    const byId = new Map(jobs.map((j) => [j.id as string, j]));

    // Exactly one terminal event per job, matching the final status, and a legal path of transitions.
    const { rows: events } = await cluster.pg.query(`SELECT job_id, event_type, seq FROM ledger.job_events WHERE tenant = $1 ORDER BY seq`, [TENANT]);
    const perJob = new Map<string, string[]>();
    for (const e of events) perJob.set(e.job_id, [...(perJob.get(e.job_id) ?? []), e.event_type]);
    for (const p of planned) {
      const types = perJob.get(p.id) ?? [];
      const terminal = types.filter((t) => TERMINAL_EVENTS.includes(t));
      expect({ id: p.id, terminal }).toEqual({ id: p.id, terminal: [`job.${byId.get(p.id)!.status}`] });
      let state: JobStatus | null = null;
      for (const t of types) {
        if (t === 'job.created') {
          state = 'pending';
          continue;
        }
        const target = t.replace('job.', '') as JobStatus;
        if (!['queued', 'leased', 'running', 'succeeded', 'failed', 'canceled', 'timed_out', 'throttled'].includes(target)) continue;
        expect({ id: p.id, from: state, to: target, ok: canTransition(state!, target) }).toEqual({ id: p.id, from: state, to: target, ok: true });
        state = target;
      }
      expect(isTerminal(state!)).toBe(true);
    }

    // Outcomes per kind.
    for (const p of planned) {
      const j = byId.get(p.id)!;
      if (p.kind === 'echo' || p.kind === 'victim') {
        expect({ id: p.id, status: j.status, result: j.result }).toEqual({ id: p.id, status: 'succeeded', result: p.payload });
      } else if (p.kind === 'flaky') {
        expect({ id: p.id, status: j.status, attempt: j.attempt }).toEqual({ id: p.id, status: 'succeeded', attempt: 2 });
      } else {
        expect({ id: p.id, status: j.status, attempt: j.attempt }).toEqual({ id: p.id, status: 'failed', attempt: 2 });
      }
    }
    const failedIds = planned.filter((p) => p.kind === 'fail').map((p) => p.id);
    const { rows: dead } = await cluster.pg.query(`SELECT job_id FROM ledger.dead_letters WHERE tenant = $1`, [TENANT]);
    expect(dead.map((d) => d.job_id).sort()).toEqual([...failedIds].sort());

    // The victim lost its lease when its worker died and succeeded on a later attempt elsewhere.
    const victimJob = byId.get(victim.id)!;
    expect(victimJob.attempt).toBeGreaterThanOrEqual(2);
    const res = await cluster.api(`/api/v1/jobs/${victim.id}/events`, {}, token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as LedgerEventView[] | { items: LedgerEventView[] };
    const victimEvents = Array.isArray(body) ? body : body.items;
    expect(victimEvents.some((e) => e.eventType === 'job.queued' && e.data['reason'] === 'lease_expired')).toBe(true);
    expect(victimEvents.map((e) => e.seq)).toEqual([...victimEvents.map((e) => e.seq)].sort((a, b) => a - b));
    const leasedWorkers = victimEvents.filter((e) => e.eventType === 'job.leased').map((e) => e.data['workerId']);
    expect(new Set(leasedWorkers).size).toBeGreaterThanOrEqual(2);

    // The whole tenant chain verifies.
    const { rows: chain } = await cluster.pg.query(`SELECT * FROM ledger.job_events WHERE tenant = $1 ORDER BY seq`, [TENANT]);
    const verdict = verifyChain(
      chain.map((r) => ({
        tenant: r.tenant,
        seq: Number(r.seq),
        project: r.project,
        id: r.id,
        jobId: r.job_id,
        eventType: r.event_type,
        attempt: r.attempt,
        occurredAt: new Date(r.occurred_at).toISOString(),
        actor: r.actor,
        data: r.data,
        prevHash: r.prev_hash,
        hash: r.hash,
      })),
    );
    expect(verdict).toMatchObject({ ok: true, count: chain.length });

    // The API shows state, attempts and result.
    const shown = await getJob(victim.id);
    expect(shown).toMatchObject({ status: 'succeeded', result: { sleepMs: 6000, victim: true } });
  }, 240_000);
});
