import type { BackfillView } from '@orch/contracts';
import { E2eCluster, waitFor } from '@orch/testing';

const TENANT = 'e2ebf';
const SOURCE = 'feeds.example';
const H = 3_600_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();
const OPS = { 'X-Orch-Reason': 'refetch October 1st after the outage', 'X-Orch-Ticket': 'OPS-77' };
const RATE = 2;
const BURST = 1;

interface DryRun {
  dryRun: true;
  slices: { from: string; to: string; action: 'create' | 'skip'; skip?: string; coveredBy?: string[] }[];
  create: number;
  skipped: number;
  watermark: string | null;
  estimate: { seconds: number | null; boundBy: string | null };
}

/**
 * Backfills end to end with the six services and a demo worker: the dry run is what the real run
 * creates, the jobs run under the same rate limit as live traffic and never beside a live job of an
 * overlapping window, the watermark advances as slices succeed, and pause, resume and cancel work.
 */
describe('backfills through the real services', () => {
  const cluster = new E2eCluster({ SCHEDULER_POLL_MS: '250', LIMITS_RECONCILE_MS: '1000' });
  let backfill: string;
  let operate: string;
  let reader: string;

  beforeAll(async () => {
    await cluster.start();
    backfill = await cluster.token({ tenant: TENANT, scopes: ['orch:backfill', 'orch:read'], sub: 'ops' });
    operate = await cluster.token({ tenant: TENANT, scopes: ['orch:operate', 'orch:quota', 'orch:read'], sub: 'ops' });
    reader = await cluster.token({ tenant: TENANT, scopes: ['orch:read'], sub: 'viewer' });
    await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '20' });
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  const call = async <T>(method: string, path: string, body: unknown, auth: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> => {
    const res = await cluster.api(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, auth);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const post = async <T>(path: string, body: unknown, auth = backfill, headers: Record<string, string> = OPS): Promise<T> => {
    const res = await call<T>('POST', path, body, auth, headers);
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const get = async <T>(path: string, auth = reader): Promise<T> => (await call<T>('GET', path, undefined, auth)).body;
  const ledgerRows = async () => Number((await cluster.pg.query(`SELECT count(*) AS n FROM ledger.job_events`)).rows[0].n);

  it('dry run = real run; the jobs keep the rate limit, wait for an overlapping live job, advance the watermark; posting again creates nothing', async () => {
    // A live job of the same source processing half of hour 2, running for a while.
    const live = await post<{ id: string }>('/api/v1/jobs', { project: 'p1', jobType: 'demo.echo', source: SOURCE, payload: { sleepMs: 2_500 }, window: { from: at(2), to: at(2.5) } }, operate, {});
    await waitFor(async () => (await get<{ status: string }>(`/api/v1/jobs/${live.id}`)).status === 'running', { timeoutMs: 30_000, what: 'the live job to run' });
    await post('/api/v1/limits/rules', { id: 'bf-rate', kind: 'rate', match: { source: SOURCE }, per: ['tenant', 'source'], ratePerSecond: RATE, burst: BURST, adaptive: false }, operate, OPS);

    const body = { project: 'p1', jobType: 'demo.echo', source: SOURCE, from: at(0), to: at(6), slice: 'PT1H', payload: { sleepMs: 50 } };
    const before = await ledgerRows();
    const dry = await post<DryRun>('/api/v1/backfills', { ...body, dryRun: true });
    expect(await ledgerRows()).toBe(before);
    expect(dry).toMatchObject({ create: 6, skipped: 0, watermark: null, estimate: { boundBy: 'rate:bf-rate', seconds: 3 } });

    const created = await call<{ created: boolean; backfill: BackfillView }>('POST', '/api/v1/backfills', body, backfill, { ...OPS, 'Idempotency-Key': 'bf-1' });
    expect(created.status).toBe(201);
    const id = created.body.backfill.id;
    expect(created.body.backfill).toMatchObject({ status: 'active', slices: 6, created: 6, skipped: 0, priority: 2, watermark: at(0) });
    const { rows: jobs } = await cluster.pg.query<{ id: string; window_from: Date; window_to: Date }>(
      `SELECT id, window_from, window_to FROM ledger.jobs WHERE backfill_id = $1 ORDER BY window_from`,
      [id],
    );
    expect(jobs.map((j) => ({ from: new Date(j.window_from).toISOString(), to: new Date(j.window_to).toISOString() }))).toEqual(
      dry.slices.filter((s) => s.action === 'create').map((s) => ({ from: s.from, to: s.to })),
    );

    const done = await waitFor(async () => {
      const v = await get<BackfillView>(`/api/v1/backfills/${id}`);
      return v.status === 'succeeded' ? v : null;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'the backfill to succeed' });
    expect(done).toMatchObject({ progressPercent: 100, jobs: { succeeded: 6 }, watermark: new Date(T0 + 6 * H).toISOString() });

    // Hour 2 overlaps the live job: at 2/s it would have been admitted within about 2 s, but it was leased only after the live job ended.
    const hour2 = jobs[2].id;
    const { rows: events } = await cluster.pg.query<{ job_id: string; event_type: string; seq: string }>(
      `SELECT job_id, event_type, seq FROM ledger.job_events WHERE tenant = $1 AND job_id = ANY($2::uuid[]) ORDER BY seq`,
      [TENANT, [hour2, live.id]],
    );
    const seqOf = (job: string, type: string) => Number(events.find((e) => e.job_id === job && e.event_type === type)?.seq);
    expect(seqOf(hour2, 'job.leased')).toBeGreaterThan(seqOf(live.id, 'job.succeeded'));

    // Rate: admissions of the backfill's jobs within burst + rate × t.
    const admitted = (
      await cluster.pg.query<{ at: Date }>(`SELECT a.admitted_at AS at FROM limits.admissions a JOIN ledger.jobs j ON j.id = a.job_id WHERE j.backfill_id = $1 ORDER BY a.admitted_at`, [id])
    ).rows.map((r) => new Date(r.at).getTime());
    expect(admitted).toHaveLength(6);
    for (let i = 0; i < admitted.length; i++) {
      for (let j = i; j < admitted.length; j++) expect(j - i + 1).toBeLessThanOrEqual(BURST + (RATE * (admitted[j] - admitted[i] + 50)) / 1000);
    }

    // The same window again, under a new key: every slice is behind the watermark now.
    const again = await post<DryRun>('/api/v1/backfills', { ...body, dryRun: true });
    expect(again).toMatchObject({ create: 0, skipped: 6 });
    expect(again.slices.every((s) => s.skip === 'watermark')).toBe(true);
    const repost = await post<{ backfill: BackfillView }>('/api/v1/backfills', body);
    expect(repost.backfill).toMatchObject({ created: 0, skipped: 6, status: 'succeeded' });
    // And the first key again: the same backfill, nothing new.
    const replay = await call<{ created: boolean; backfill: BackfillView }>('POST', '/api/v1/backfills', body, backfill, { ...OPS, 'Idempotency-Key': 'bf-1' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ created: false, backfill: { id } });
    const [{ n }] = (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE tenant = $1 AND backfill_id IS NOT NULL`, [TENANT])).rows;
    expect(n).toBe(6);
  });

  it('pause holds the jobs not yet admitted, resume lets them run, cancel ends the rest; scopes, ticket and tenancy are enforced', async () => {
    const body = { project: 'p1', jobType: 'demo.echo', source: 'slow.example', from: at(0), to: at(12), slice: 'PT1H', payload: { sleepMs: 400 } };
    await post('/api/v1/limits/rules', { id: 'bf-cap', kind: 'concurrency', match: { source: 'slow.example' }, per: ['tenant', 'source'], maxInFlight: 1 }, operate, OPS);
    expect((await call('POST', '/api/v1/backfills', body, reader, OPS)).status).toBe(403);
    expect((await call('POST', '/api/v1/backfills', body, backfill, { 'X-Orch-Reason': 'no ticket' })).status).toBe(400);
    const { backfill: bf } = await post<{ backfill: BackfillView }>('/api/v1/backfills', body);
    const paused = await post<{ state: string; backfill: BackfillView }>(`/api/v1/backfills/${bf.id}/pause`, undefined);
    expect(paused.state).toBe('paused');
    const leased = async () => Number((await cluster.pg.query(`SELECT count(*) AS n FROM ledger.jobs WHERE backfill_id = $1 AND status <> 'queued' AND status <> 'throttled'`, [bf.id])).rows[0].n);
    // What was admitted before the pause may finish; nothing else starts while it holds.
    await waitFor(async () => (await get<BackfillView>(`/api/v1/backfills/${bf.id}`)).jobs.throttled! >= 10, { timeoutMs: 20_000, what: 'the paused backfill to hold its jobs' });
    const heldAt = await leased();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await leased()).toBe(heldAt);
    expect(heldAt).toBeLessThanOrEqual(2);

    await post(`/api/v1/backfills/${bf.id}/resume`, undefined);
    await waitFor(async () => (await get<BackfillView>(`/api/v1/backfills/${bf.id}`)).jobs.succeeded! >= heldAt + 2, { timeoutMs: 30_000, what: 'the resumed backfill to go on' });

    const other = await cluster.token({ tenant: 'e2ebf-other', scopes: ['orch:backfill', 'orch:read'], sub: 'ops' });
    expect((await call('POST', `/api/v1/backfills/${bf.id}/cancel`, undefined, other, OPS)).status).toBe(404);
    expect((await call('GET', `/api/v1/backfills/${bf.id}`, undefined, other)).status).toBe(404);
    const canceled = await post<{ state: string; canceled: string[]; backfill: BackfillView }>(`/api/v1/backfills/${bf.id}/cancel`, undefined);
    expect(canceled.state).toBe('canceled');
    expect(canceled.canceled.length).toBeGreaterThan(0);
    const end = await waitFor(async () => {
      const v = await get<BackfillView>(`/api/v1/backfills/${bf.id}`);
      return (v.jobs.queued ?? 0) + (v.jobs.throttled ?? 0) + (v.jobs.leased ?? 0) + (v.jobs.running ?? 0) === 0 ? v : null;
    }, { timeoutMs: 20_000, what: 'every job of the canceled backfill to end' });
    expect(end.status).toBe('canceled');
    expect((end.jobs.succeeded ?? 0) + (end.jobs.canceled ?? 0)).toBe(12);
    expect((await call('POST', `/api/v1/backfills/${bf.id}/resume`, undefined, backfill, OPS)).status).toBe(409);
    const audit = await get<{ items: { action: string; targetId: string }[] }>('/api/v1/audit?page_size=50', operate);
    expect(audit.items.filter((a) => a.targetId === bf.id).map((a) => a.action).reverse()).toEqual(['backfill.create', 'backfill.pause', 'backfill.resume', 'backfill.cancel']);
    const list = await get<{ items: BackfillView[] }>('/api/v1/backfills');
    expect(list.items.map((b) => b.id)).toContain(bf.id);
  });
});
