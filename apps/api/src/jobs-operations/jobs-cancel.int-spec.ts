import { AuditEntryView, CancelJobResult, JobView } from '@orch/contracts';
import { ApiStack } from '../test-support/api-stack';
import { controlPlaneCounts, expectProblem, operatorAuth, send } from '../test-support/control-plane';

interface AuditPage {
  items: AuditEntryView[];
  next_page_token: string | null;
}

const TENANT = 'acme';
const OTHER = 'globex';
const OPERATOR = 'ops@example.com';

describe('POST /api/v1/jobs/{id}/cancel and GET /api/v1/audit (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let ops: Record<string, string>;
  let seq = 0;

  const submit = async (tenant = TENANT): Promise<JobView> => {
    const res = await stack.submit<JobView>({ tenant, project: 'p1', jobType: 'demo.cancel', payload: { n: seq++ } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const cancel = (id: string, headers: Record<string, string>) => send<CancelJobResult>(stack, 'POST', `/api/v1/jobs/${id}/cancel`, headers);
  const status = async (id: string) => (await stack.pg.query<{ status: string }>(`SELECT status FROM ledger.jobs WHERE id = $1`, [id])).rows[0].status;
  const audit = (query: string, tenant = TENANT) => stack.get<AuditPage>(`/api/v1/audit${query}`, tenant);

  beforeAll(async () => {
    await stack.start();
    ops = await operatorAuth(stack, TENANT, OPERATOR);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it('cancels a queued job at once and records who, why, the ticket and the state before and after in the audit log', async () => {
    const job = await submit();
    const res = await cancel(job.id, { ...ops, 'X-Orch-Reason': 'customer asked', 'X-Orch-Ticket': 'OPS-42', 'Idempotency-Key': 'cancel-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('idempotency-key')).toBe('cancel-1');
    expect(res.body).toMatchObject({ changed: true, job: { id: job.id, status: 'canceled', statusReason: 'canceled_by_operator' } });
    expect(await status(job.id)).toBe('canceled');

    const entries = await audit(`?targetId=${job.id}`);
    expect(entries.status).toBe(200);
    expect(entries.body.items).toHaveLength(1);
    expect(entries.body.items[0]).toMatchObject({
      tenant: TENANT,
      project: 'p1',
      action: 'job.cancel',
      targetType: 'job',
      targetId: job.id,
      reason: 'customer asked',
      ticket: 'OPS-42',
      actor: { subject: OPERATOR, scopes: expect.arrayContaining(['orch:operate']) },
      before: { status: 'queued' },
      after: { status: 'canceled', statusReason: 'canceled_by_operator' },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('answers a repeat with the same key from the first call and writes nothing; another reason with that key is 409', async () => {
    const job = await submit();
    const headers = { ...ops, 'X-Orch-Reason': 'duplicate', 'Idempotency-Key': 'cancel-replay' };
    const first = await cancel(job.id, headers);
    expect(first.body.changed).toBe(true);
    const before = await controlPlaneCounts(stack);
    const again = await cancel(job.id, headers);
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: first.body });
    expectProblem(await cancel(job.id, { ...headers, 'X-Orch-Reason': 'another reason' }), 409, 'idempotency_conflict');
    expectProblem(await cancel((await submit()).id, headers), 409, 'idempotency_conflict');
    const after = await controlPlaneCounts(stack);
    // The third call's submit added one job (and its events); the cancels added nothing.
    expect({ ...after, jobs: after.jobs - 1, events: after.events - 2, idempotencyKeys: after.idempotencyKeys - 1 }).toEqual(before);
  });

  it('leaves a terminal job as it is (changed: false) and still audits the attempt', async () => {
    const job = await submit();
    await cancel(job.id, { ...ops, 'X-Orch-Reason': 'first' });
    const res = await cancel(job.id, { ...ops, 'X-Orch-Reason': 'second' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: false, job: { status: 'canceled' } });
    const entries = (await audit(`?targetId=${job.id}`)).body.items;
    expect(entries.map((e) => e.reason)).toEqual(['second', 'first']);
    expect(entries[0].before).toEqual(entries[0].after);
  });

  it('refuses a cancel without X-Orch-Reason with 400 naming the header, and changes nothing', async () => {
    const job = await submit();
    const before = await controlPlaneCounts(stack);
    const problem = expectProblem(await cancel(job.id, ops), 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toEqual(['X-Orch-Reason']);
    expect(await status(job.id)).toBe('queued');
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('refuses a reader (orch:read only) with 403, and changes nothing', async () => {
    const job = await submit();
    const before = await controlPlaneCounts(stack);
    const reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'] });
    const res = await cancel(job.id, { ...reader, 'X-Orch-Reason': 'not mine to cancel' });
    expectProblem(res, 403, 'forbidden');
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect(await status(job.id)).toBe('queued');
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it("answers 404 for another tenant's job exactly as for an unknown or malformed id, and changes nothing", async () => {
    const foreign = await submit(OTHER);
    const before = await controlPlaneCounts(stack);
    const headers = { ...ops, 'X-Orch-Reason': 'probing' };
    const answers = [await cancel(foreign.id, headers), await cancel('01a20811-0000-7000-8000-000000000000', headers), await cancel('not-a-job', headers)];
    for (const res of answers) expectProblem(res, 404, 'not_found');
    expect(await status(foreign.id)).toBe('queued');
    expect(await controlPlaneCounts(stack)).toEqual(before);
    expect((await audit(`?targetId=${foreign.id}`, OTHER)).body.items).toEqual([]);
  });

  it('refuses a body (the reason goes in the header) and a reason over 256 characters, changing nothing', async () => {
    const job = await submit();
    const before = await controlPlaneCounts(stack);
    const withBody = await send(stack, 'POST', `/api/v1/jobs/${job.id}/cancel`, { ...ops, 'X-Orch-Reason': 'r' }, { reason: 'in the body' });
    expect(expectProblem(withBody, 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['body']);
    const long = await cancel(job.id, { ...ops, 'X-Orch-Reason': 'r'.repeat(257) });
    expect(expectProblem(long, 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['X-Orch-Reason']);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  describe('GET /api/v1/audit', () => {
    const ids: string[] = [];
    let start: string;

    beforeAll(async () => {
      start = new Date().toISOString();
      for (let i = 0; i < 5; i++) {
        const job = await submit();
        ids.push(job.id);
        await cancel(job.id, { ...ops, 'X-Orch-Reason': `page test ${i}` });
      }
    });

    it('pages newest first with page_size and page_token until next_page_token is null, without gaps or repeats', async () => {
      const seen: AuditEntryView[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: AuditPage } = await audit(`?from=${encodeURIComponent(start)}&page_size=2${token ? `&page_token=${token}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items);
        token = res.body.next_page_token;
        pages += 1;
      } while (token && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((e) => e.targetId)).toEqual([...ids].reverse());
      const seqs = seen.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    });

    it('filters by action, target type, project and time, and refuses bad filters with 400', async () => {
      const all = (await audit(`?action=job.cancel&targetType=job&project=p1&from=${encodeURIComponent(start)}&page_size=500`)).body.items;
      expect(all.map((e) => e.targetId)).toEqual([...ids].reverse());
      expect((await audit(`?action=webhook.create`)).body.items).toEqual([]);
      expect((await audit(`?project=p2`)).body.items).toEqual([]);
      expect((await audit(`?to=${encodeURIComponent(start)}&from=2000-01-01T00:00:00Z`)).body.items.every((e) => !ids.includes(e.targetId))).toBe(true);
      const bad = expectProblem(await audit('?action=CANCEL&page_token=nope&color=red'), 400, 'validation_failed');
      expect(bad.errors?.map((e) => e.path).sort()).toEqual(['action', 'color', 'page_token']);
    });

    it("shows a tenant only its own entries, and needs a token", async () => {
      const theirs = (await audit('?page_size=500', OTHER)).body.items;
      expect(theirs.every((e) => e.tenant === OTHER)).toBe(true);
      expect(theirs.some((e) => ids.includes(e.targetId))).toBe(false);
      expectProblem(await stack.get('/api/v1/audit', undefined), 401, 'unauthorized');
    });
  });
});
