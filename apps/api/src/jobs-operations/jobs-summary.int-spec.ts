import { JobView } from '@orch/contracts';
import { waitFor } from '@orch/testing';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, operatorAuth, send } from '../test-support/control-plane';
import type { JobSummary } from './job-summary';

interface Page {
  items: JobView[];
  next_page_token: string | null;
}

const TENANT = 'acme';
const OTHER = 'globex';

describe('GET /api/v1/jobs/summary, list time filters and the legacy detail alias (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack({ API_LEGACY_SUNSET: '2027-06-30' });
  const early: JobView[] = [];
  const late: JobView[] = [];
  let boundary: string;
  let seq = 0;

  const submit = async (tenant: string, extra: Record<string, unknown> = {}): Promise<JobView> => {
    const res = await stack.submit<JobView>({ tenant, project: 'p1', jobType: 'demo.a', payload: { n: seq++ }, ...extra });
    expect(res.status).toBe(201);
    return res.body;
  };
  /** What the ledger holds, counted independently of the api. */
  const ledgerCounts = async (tenant: string, where = '', args: unknown[] = []) =>
    (
      await stack.pg.query<{ status: string; job_type: string; n: number }>(
        `SELECT status, job_type, count(*)::int AS n FROM ledger.jobs WHERE tenant = $1 ${where} GROUP BY 1, 2`,
        [tenant, ...args],
      )
    ).rows;

  beforeAll(async () => {
    await stack.start();
    const ops = await operatorAuth(stack, TENANT);
    for (const extra of [{}, { jobType: 'demo.b' }, { project: 'p2' }]) early.push(await submit(TENANT, extra));
    // The ledger's clock stamps created_at: wait until it has moved past the early jobs.
    const lastEarly = Date.parse(early[early.length - 1].createdAt);
    await waitFor(() => Date.now() > lastEarly + 5, { what: 'the clock to move past the early jobs' });
    boundary = new Date(lastEarly + 1).toISOString();
    for (const extra of [{ jobType: 'demo.b' }, { jobType: 'demo.b', project: 'p2' }, { runAt: new Date(Date.now() + 3_600_000).toISOString() }]) late.push(await submit(TENANT, extra));
    await send(stack, 'POST', `/api/v1/jobs/${late[0].id}/cancel`, { ...ops, 'X-Orch-Reason': 'summary test' });
    for (let i = 0; i < 2; i++) await submit(OTHER, { jobType: 'demo.other' });
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  describe('summary', () => {
    it('is routed before GET /jobs/{id} and counts the tenant\'s jobs exactly as the ledger does', async () => {
      const res = await stack.get<JobSummary>('/api/v1/jobs/summary', TENANT);
      expect(res.status).toBe(200);
      const rows = await ledgerCounts(TENANT);
      expect(res.body.total).toBe(6);
      expect(res.body.total).toBe(rows.reduce((n, r) => n + r.n, 0));
      for (const r of rows) expect(res.body.byJobTypeAndStatus[r.job_type]).toMatchObject({ [r.status]: r.n });
      expect(res.body.byStatus).toMatchObject({ queued: 4, pending: 1, canceled: 1, running: 0, succeeded: 0 });
      expect(res.body.byJobType).toEqual({ 'demo.a': 3, 'demo.b': 3 });
      expect(res.body.byJobTypeAndStatus).toEqual({ 'demo.a': { queued: 2, pending: 1 }, 'demo.b': { queued: 2, canceled: 1 } });
    });

    it('filters by project and creation time, and never counts another tenant\'s jobs', async () => {
      const p2 = (await stack.get<JobSummary>('/api/v1/jobs/summary?project=p2', TENANT)).body;
      expect(p2.byJobTypeAndStatus).toEqual({ 'demo.a': { queued: 1 }, 'demo.b': { queued: 1 } });
      const lateOnly = (await stack.get<JobSummary>(`/api/v1/jobs/summary?created_after=${encodeURIComponent(boundary)}`, TENANT)).body;
      expect(lateOnly.total).toBe(late.length);
      const earlyOnly = (await stack.get<JobSummary>(`/api/v1/jobs/summary?created_before=${encodeURIComponent(boundary)}`, TENANT)).body;
      expect(earlyOnly.total).toBe(early.length);
      const theirs = (await stack.get<JobSummary>('/api/v1/jobs/summary', OTHER)).body;
      expect(theirs.byJobType).toEqual({ 'demo.other': 2 });
    });

    it('refuses unknown or malformed filters with 400 and needs orch:read', async () => {
      const bad = expectProblem(await stack.get('/api/v1/jobs/summary?status=queued&created_after=today', TENANT), 400, 'validation_failed');
      expect(bad.errors?.map((e) => e.path).sort()).toEqual(['created_after', 'status']);
      const noRead = await stack.authHeader({ tenant: TENANT, scopes: ['orch:operate'] });
      expectProblem(await stack.call('/api/v1/jobs/summary', { headers: noRead }), 403, 'forbidden');
    });
  });

  describe('list filtered by creation time', () => {
    it('returns the jobs created in [created_after, created_before)', async () => {
      const ids = async (query: string) => (await stack.get<Page>(`/api/v1/jobs?page_size=500&${query}`, TENANT)).body.items.map((j) => j.id).sort();
      expect(await ids(`created_after=${encodeURIComponent(boundary)}`)).toEqual(late.map((j) => j.id).sort());
      expect(await ids(`created_before=${encodeURIComponent(boundary)}`)).toEqual(early.map((j) => j.id).sort());
      // Inclusive start: the first early job's own created_at selects it.
      expect(await ids(`created_after=${encodeURIComponent(early[0].createdAt)}&created_before=${encodeURIComponent(boundary)}`)).toEqual(early.map((j) => j.id).sort());
      expect(await ids(`created_after=${encodeURIComponent(boundary)}&jobType=demo.b&project=p2`)).toEqual([late[1].id]);
    });

    it('refuses a malformed time and an empty range with 400 naming the parameter', async () => {
      const res = await stack.get(`/api/v1/jobs?created_after=${encodeURIComponent(boundary)}&created_before=${encodeURIComponent(boundary)}`, TENANT);
      expect(expectProblem(res, 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['created_before']);
      expect(expectProblem(await stack.get('/api/v1/jobs?created_before=2026-02-30T00:00:00Z', TENANT), 400, 'validation_failed').errors?.map((e) => e.path)).toEqual([
        'created_before',
      ]);
    });
  });

  describe('GET /api/v1/jobs/{id}/detail (legacy)', () => {
    it('answers the same body as GET /api/v1/jobs/{id}, with Deprecation, Sunset and a Link to its successor', async () => {
      const job = early[0];
      const current = await stack.get<JobView>(`/api/v1/jobs/${job.id}`, TENANT);
      const legacy = await stack.get<JobView>(`/api/v1/jobs/${job.id}/detail`, TENANT);
      expect(legacy.status).toBe(200);
      expect(legacy.body).toEqual(current.body);
      expect(legacy.headers.get('deprecation')).toMatch(/^@\d+$/);
      expect(Number(legacy.headers.get('deprecation')!.slice(1)) * 1000).toBeLessThanOrEqual(Date.now());
      expect(legacy.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
      expect(legacy.headers.get('link')).toBe(`</api/v1/jobs/${job.id}>; rel="successor-version"`);
      expect(current.headers.get('deprecation')).toBeNull();
    });

    it("answers 404 for another tenant's job like the successor does, still announcing the deprecation", async () => {
      const foreign = await submit(OTHER);
      const legacy = await stack.get(`/api/v1/jobs/${foreign.id}/detail`, TENANT);
      expectProblem(legacy, 404, 'not_found');
      expect(legacy.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
      expectProblem(await stack.get(`/api/v1/jobs/${early[0].id}/detail`, undefined), 401, 'unauthorized');
    });
  });
});
