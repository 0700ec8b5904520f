import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { encodeJson, JobView, LedgerEventView, makeEnvelope } from '@orch/contracts';
import { ApiStack } from '../test-support/api-stack';
import { JobLogItem } from './job-logs.reader';

interface Page {
  items: JobView[];
  next_page_token: string | null;
}

const TENANT = 'acme';
const OTHER = 'globex';

/** Newest first; the id breaks ties between jobs created in one group commit. */
function newestFirst(a: JobView, b: JobView): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

describe('GET /api/v1/jobs… (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  const mine: JobView[] = [];
  const theirs: JobView[] = [];
  let seq = 0;

  async function create(tenant: string, extra: Record<string, unknown> = {}): Promise<JobView> {
    const res = await stack.submit<JobView>({ tenant, project: 'p1', jobType: 'demo.a', payload: { n: seq }, ...extra }, { 'Idempotency-Key': `read-${seq++}` });
    expect(res.status).toBe(201);
    (tenant === TENANT ? mine : theirs).push(res.body);
    return res.body;
  }

  beforeAll(async () => {
    await stack.start();
    // One at a time, then a burst that may share one group commit (and so one created_at).
    for (const project of ['p1', 'p2', 'p1', 'p2']) await create(TENANT, { project });
    await Promise.all(Array.from({ length: 8 }, (_, i) => create(TENANT, { jobType: i % 2 ? 'demo.b' : 'demo.a', project: i % 3 ? 'p1' : 'p3' })));
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await create(TENANT, { runAt: later, jobType: 'demo.b' });
    await create(TENANT, { runAt: later, project: 'p2' });
    for (let i = 0; i < 3; i++) await create(OTHER);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  describe('one job', () => {
    it('returns the tenant\'s job as a JobView', async () => {
      const job = mine[0];
      const res = await stack.get<JobView>(`/api/v1/jobs/${job.id}`, TENANT);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(job);
    });

    it('answers 404 for another tenant\'s job exactly as for an id that does not exist', async () => {
      const foreign = await stack.get<{ code: string; title: string; status: number }>(`/api/v1/jobs/${theirs[0].id}`, TENANT);
      const unknown = await stack.get<{ code: string; title: string; status: number }>('/api/v1/jobs/01a20811-0000-7000-8000-000000000000', TENANT);
      for (const res of [foreign, unknown]) {
        expect(res.status).toBe(404);
        expect(res.contentType).toContain('application/problem+json');
      }
      const shape = (b: { code: string; title: string; status: number }) => ({ code: b.code, title: b.title, status: b.status });
      expect(shape(foreign.body)).toEqual(shape(unknown.body));
      expect(shape(foreign.body)).toEqual({ code: 'not_found', title: expect.any(String), status: 404 });
    });

    it.each(['not-a-uuid', '1', "x' OR '1'='1", `${'0'.repeat(8)}-0000-0000-0000-00000000000g`])('answers 404 for the non-UUID id %s', async (id) => {
      const res = await stack.get<{ code: string }>(`/api/v1/jobs/${encodeURIComponent(id)}`, TENANT);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'not_found' });
    });

    it('takes the tenant from the token: a multi-tenant token needs X-Orch-Tenant (400 tenant_required), well-formed and one it holds', async () => {
      const both = await stack.authHeader({ tenants: [TENANT, OTHER], scopes: ['orch:read'] });
      const as = (extra: Record<string, string>) => stack.call<{ code: string }>(`/api/v1/jobs/${mine[0].id}`, { headers: { ...both, ...extra } });
      const missing = await as({});
      expect({ status: missing.status, code: missing.body.code, type: missing.contentType }).toEqual({ status: 400, code: 'tenant_required', type: expect.stringContaining('problem+json') });
      const malformed = await as({ 'X-Orch-Tenant': 'ACME' });
      expect({ status: malformed.status, code: malformed.body.code }).toEqual({ status: 400, code: 'validation_failed' });
      const notHeld = await as({ 'X-Orch-Tenant': 'initech' });
      expect({ status: notHeld.status, code: notHeld.body.code }).toEqual({ status: 403, code: 'forbidden' });
      expect((await as({ 'X-Orch-Tenant': TENANT })).status).toBe(200);
      expect((await as({ 'X-Orch-Tenant': OTHER })).status).toBe(404);
      const list = await stack.call<{ code: string }>('/api/v1/jobs', { headers: both });
      expect({ status: list.status, code: list.body.code }).toEqual({ status: 400, code: 'tenant_required' });
    });
  });

  describe('events', () => {
    it('lists the job\'s ledger events in chain order', async () => {
      const job = mine[0];
      const res = await stack.get<{ items: LedgerEventView[] }>(`/api/v1/jobs/${job.id}/events`, TENANT);
      expect(res.status).toBe(200);
      expect(res.body.items.map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
      expect(res.body.items.every((e) => e.jobId === job.id && e.tenant === TENANT)).toBe(true);
      const [created, queued] = res.body.items;
      expect(queued.seq).toBeGreaterThan(created.seq);
      expect(queued.prevHash).toBe(created.hash);
    });

    it('answers 404 for another tenant\'s job and a non-UUID id', async () => {
      expect((await stack.get(`/api/v1/jobs/${theirs[0].id}/events`, TENANT)).status).toBe(404);
      expect((await stack.get('/api/v1/jobs/nope/events', TENANT)).status).toBe(404);
    });
  });

  describe('logs', () => {
    const line = (jobId: string, message: string, attempt = 1) => ({ jobId, attempt, level: 'info', message, ts: new Date().toISOString() });

    beforeAll(async () => {
      const js = jetstream(stack.ns.nc);
      const names = stack.ns.names;
      const [job, sibling] = mine;
      const publish = (tenant: string, jobId: string, data: unknown) =>
        js.publish(names.log(tenant, jobId), encodeJson(makeEnvelope({ type: 'job.log', tenant, project: 'p1', correlationId: 'c', data })));
      await publish(TENANT, job.id, line(job.id, 'first'));
      await publish(TENANT, job.id, line(job.id, 'second'));
      await js.publish(names.log(TENANT, job.id), new TextEncoder().encode('not an envelope'));
      await publish(TENANT, job.id, { jobId: job.id, level: 'loud' });
      await publish(TENANT, sibling.id, line(sibling.id, 'sibling'));
      // Published under another tenant's subject with this job's id: never this tenant's log.
      await publish(OTHER, job.id, line(job.id, 'foreign'));
      await publish(TENANT, job.id, line(job.id, 'third', 2));
    });

    it('returns the job\'s lines oldest first with their stream sequence, skipping undecodable ones', async () => {
      const res = await stack.get<{ items: JobLogItem[] }>(`/api/v1/jobs/${mine[0].id}/logs`, TENANT);
      expect(res.status).toBe(200);
      expect(res.body.items.map((l) => [l.message, l.attempt])).toEqual([['first', 1], ['second', 1], ['third', 2]]);
      const seqs = res.body.items.map((l) => l.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(res.body.items[0]).toEqual({ seq: expect.any(Number), jobId: mine[0].id, attempt: 1, level: 'info', message: 'first', ts: expect.any(String) });
    });

    it('stops at limit and refuses a limit out of range', async () => {
      const res = await stack.get<{ items: JobLogItem[] }>(`/api/v1/jobs/${mine[0].id}/logs?limit=2`, TENANT);
      expect(res.body.items.map((l) => l.message)).toEqual(['first', 'second']);
      for (const limit of ['0', '10001', 'all']) {
        expect((await stack.get(`/api/v1/jobs/${mine[0].id}/logs?limit=${limit}`, TENANT)).status).toBe(400);
      }
    });

    it('answers an empty list for a job without logs, and 404 for another tenant\'s job', async () => {
      expect((await stack.get(`/api/v1/jobs/${mine[2].id}/logs`, TENANT)).body).toEqual({ items: [] });
      expect((await stack.get(`/api/v1/jobs/${mine[0].id}/logs`, OTHER)).status).toBe(404);
      expect((await stack.get(`/api/v1/jobs/${theirs[0].id}/logs`, TENANT)).status).toBe(404);
    });

    it('leaves no consumer behind on the logs stream', async () => {
      const jsm = await jetstreamManager(stack.ns.nc);
      const consumers = await jsm.consumers.list(stack.ns.names.streams.logs).next();
      expect(consumers).toEqual([]);
    });
  });

  describe('list', () => {
    async function all(query: string, pageSize: number, tenant = TENANT): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const sep = query ? '&' : '';
        const res: { status: number; body: Page } = await stack.get<Page>(`/api/v1/jobs?${query}${sep}page_size=${pageSize}${token ? `&page_token=${token}` : ''}`, tenant);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(pageSize);
        ids.push(...res.body.items.map((j) => j.id));
        token = res.body.next_page_token;
        pages += 1;
        expect(pages).toBeLessThan(100);
      } while (token);
      return { ids, pages };
    }

    it('pages through the tenant\'s jobs newest first without duplicates or gaps', async () => {
      const expected = [...mine].sort(newestFirst).map((j) => j.id);
      for (const size of [1, 3, 5, 14, 500]) {
        const { ids, pages } = await all('', size);
        expect(ids).toEqual(expected);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / size)));
      }
    });

    it('keeps order and completeness when jobs share created_at or differ only in microseconds', async () => {
      // Fixture rows written straight into the ledger: the only way to pin created_at exactly.
      const stamps = ['2026-11-23T10:00:00.123455Z', ...Array(5).fill('2026-11-23T10:00:00.123456Z'), '2026-11-23T10:00:00.123457Z'];
      const { rows } = await stack.pg.query(
        `INSERT INTO ledger.jobs (id, tenant, project, job_type, status, priority, payload, payload_digest, attempt, max_attempts,
           correlation_id, idempotency_key, created_at, updated_at)
         SELECT gen_random_uuid(), 'ties', 'p1', 'demo.a', 'queued', 5, '{}', repeat('0', 64), 1, 3, 'c', 'k' || n, ts, ts
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS t(ts, n)
         RETURNING id::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at`,
        [stamps],
      );
      const expected = (rows as { id: string; at: string }[])
        .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.id < b.id ? 1 : -1))
        .map((r) => r.id);
      for (const size of [1, 2, 3]) expect((await all('', size, 'ties')).ids).toEqual(expected);
    });

    it('returns JobViews and defaults to one page of up to 50', async () => {
      const res = await stack.get<Page>('/api/v1/jobs', TENANT);
      expect(res.body.next_page_token).toBeNull();
      expect(res.body.items).toEqual([...mine].sort(newestFirst));
    });

    it.each([
      ['project=p1', (j: JobView) => j.project === 'p1'],
      ['jobType=demo.b', (j: JobView) => j.jobType === 'demo.b'],
      ['status=pending', (j: JobView) => j.status === 'pending'],
      ['status=queued&jobType=demo.a&project=p1', (j: JobView) => j.status === 'queued' && j.jobType === 'demo.a' && j.project === 'p1'],
      ['status=succeeded', () => false],
    ])('filters by %s, across pages', async (query, keep) => {
      const expected = mine.filter(keep).sort(newestFirst).map((j) => j.id);
      expect((await all(query, 2)).ids).toEqual(expected);
    });

    it('shows only the caller\'s tenant', async () => {
      expect((await all('', 50, OTHER)).ids).toEqual([...theirs].sort(newestFirst).map((j) => j.id));
      expect((await all('', 50, 'nobody')).ids).toEqual([]);
    });

    it.each([['status=done'], ['page_size=0'], ['page_size=501'], ['page_token=garbage!'], ['jobType=a%20b'], ['tenant=globex']])(
      'refuses %s with 400 validation_failed',
      async (query) => {
        const res = await stack.get<{ code: string }>(`/api/v1/jobs?${query}`, TENANT);
        expect({ status: res.status, code: res.body.code, type: res.contentType }).toEqual({ status: 400, code: 'validation_failed', type: expect.stringContaining('problem+json') });
      },
    );
  });

  describe('every response', () => {
    it.each([
      ['GET', '/healthz', 200],
      ['GET', '/readyz', 200],
      ['GET', '/api/v1/nothing-here', 404],
      ['DELETE', '/api/v1/jobs', 404],
      ['GET', '/', 404],
    ])('%s %s answers %i with X-Orch-Api-Version (checked by ApiStack.call)', async (method, path, status) => {
      const res = await stack.call<{ code?: string }>(path, { method, headers: { 'X-Orch-Tenant': TENANT } });
      expect(res.status).toBe(status);
      if (status === 404) expect({ type: res.contentType, code: res.body.code }).toEqual({ type: expect.stringContaining('problem+json'), code: 'not_found' });
    });
  });
});
