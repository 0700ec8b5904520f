import { CancelJobResult, JobView } from '@orch/contracts';
import { ApiStack } from '../test-support/api-stack';
import { controlPlaneCounts, expectProblem, operatorAuth, send } from '../test-support/control-plane';

const TENANT = 'acme';
const JOB = '01a20811-0000-7000-8000-000000000000';
const WEBHOOK = '01a20811-0000-7000-8000-00000000beef';
const over = (n: number) => 'a'.repeat(n + 1);
const job = { project: 'p1', jobType: 'demo.limits', payload: {} };

/** One request with one string one character over its limit, and the field the 400 must name. */
interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  field: string;
}

const REASON = { 'X-Orch-Reason': 'field limits' };

const CASES: [string, Case][] = [
  // POST /api/v1/jobs
  ['job tenant (63)', { method: 'POST', path: '/api/v1/jobs', body: { ...job, tenant: over(63) }, field: 'tenant' }],
  ['job project (63)', { method: 'POST', path: '/api/v1/jobs', body: { ...job, project: over(63) }, field: 'project' }],
  ['job jobType (128)', { method: 'POST', path: '/api/v1/jobs', body: { ...job, jobType: over(128) }, field: 'jobType' }],
  ['Idempotency-Key of a submit (200)', { method: 'POST', path: '/api/v1/jobs', headers: { 'Idempotency-Key': over(200) }, body: job, field: 'Idempotency-Key' }],
  // POST /api/v1/jobs/batch
  ['batch item tenant (63)', { method: 'POST', path: '/api/v1/jobs/batch', body: { jobs: [job, { ...job, tenant: over(63) }] }, field: 'jobs.1.tenant' }],
  ['batch item project (63)', { method: 'POST', path: '/api/v1/jobs/batch', body: { jobs: [{ ...job, project: over(63) }] }, field: 'jobs.0.project' }],
  ['batch item jobType (128)', { method: 'POST', path: '/api/v1/jobs/batch', body: { jobs: [{ ...job, jobType: over(128) }] }, field: 'jobs.0.jobType' }],
  ['Idempotency-Key of a batch (200)', { method: 'POST', path: '/api/v1/jobs/batch', headers: { 'Idempotency-Key': over(200) }, body: { jobs: [job] }, field: 'Idempotency-Key' }],
  // POST /api/v1/jobs/{id}/cancel
  ['X-Orch-Reason (256)', { method: 'POST', path: `/api/v1/jobs/${JOB}/cancel`, headers: { 'X-Orch-Reason': over(256) }, field: 'X-Orch-Reason' }],
  ['X-Orch-Ticket (128)', { method: 'POST', path: `/api/v1/jobs/${JOB}/cancel`, headers: { ...REASON, 'X-Orch-Ticket': over(128) }, field: 'X-Orch-Ticket' }],
  ['Idempotency-Key of a cancel (200)', { method: 'POST', path: `/api/v1/jobs/${JOB}/cancel`, headers: { ...REASON, 'Idempotency-Key': over(200) }, field: 'Idempotency-Key' }],
  // POST /api/v1/webhooks, PATCH /api/v1/webhooks/{id}
  ['webhook url (2048)', { method: 'POST', path: '/api/v1/webhooks', headers: REASON, body: { url: `https://hooks.example.com/${over(2_048 - 26)}` }, field: 'url' }],
  ['webhook description (500)', { method: 'POST', path: '/api/v1/webhooks', headers: REASON, body: { url: 'https://hooks.example.com/in', description: over(500) }, field: 'description' }],
  ['webhook project (63)', { method: 'POST', path: '/api/v1/webhooks', headers: REASON, body: { url: 'https://hooks.example.com/in', projects: [over(63)] }, field: 'projects' }],
  ['Idempotency-Key of a webhook (200)', { method: 'POST', path: '/api/v1/webhooks', headers: { ...REASON, 'Idempotency-Key': over(200) }, body: { url: 'https://hooks.example.com/in' }, field: 'Idempotency-Key' }],
  ['updated webhook url (2048)', { method: 'PATCH', path: `/api/v1/webhooks/${WEBHOOK}`, headers: REASON, body: { url: `https://hooks.example.com/${over(2_048 - 26)}` }, field: 'url' }],
  ['updated webhook description (500)', { method: 'PATCH', path: `/api/v1/webhooks/${WEBHOOK}`, headers: REASON, body: { description: over(500) }, field: 'description' }],
  // Query strings and the tenant selector
  ['list jobType filter (128)', { method: 'GET', path: `/api/v1/jobs?jobType=${over(128)}`, field: 'jobType' }],
  ['list project filter (63)', { method: 'GET', path: `/api/v1/jobs?project=${over(63)}`, field: 'project' }],
  ['list page_token (512)', { method: 'GET', path: `/api/v1/jobs?page_token=${over(512)}`, field: 'page_token' }],
  ['summary project filter (63)', { method: 'GET', path: `/api/v1/jobs/summary?project=${over(63)}`, field: 'project' }],
  ['audit targetId filter (200)', { method: 'GET', path: `/api/v1/audit?targetId=${over(200)}`, field: 'targetId' }],
  ['audit targetType filter (64)', { method: 'GET', path: `/api/v1/audit?targetType=${over(64)}`, field: 'targetType' }],
  ['audit action filter (32 per part)', { method: 'GET', path: `/api/v1/audit?action=job.${over(32)}`, field: 'action' }],
  ['webhook list page_token (512)', { method: 'GET', path: `/api/v1/webhooks?page_token=${over(512)}`, field: 'page_token' }],
  ['X-Orch-Tenant (63)', { method: 'GET', path: '/api/v1/jobs', headers: { 'X-Orch-Tenant': over(63) }, field: 'X-Orch-Tenant' }],
];

describe('request field limits (api and ledger-writer as real processes)', () => {
  const stack = new ApiStack();
  let auth: Record<string, string>;

  beforeAll(async () => {
    await stack.start();
    auth = await operatorAuth(stack, TENANT);
  }, 150_000);
  afterAll(() => stack.stop(), 60_000);

  it.each(CASES)('%s: one character over the limit is 400 naming the field, and changes nothing', async (_what, c) => {
    const before = await controlPlaneCounts(stack);
    const res = await send(stack, c.method, c.path, { ...auth, ...c.headers }, c.body);
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(c.field);
    expect(await controlPlaneCounts(stack)).toEqual(before);
  });

  it('accepts every job field and operator header at exactly its limit', async () => {
    const body = { project: 'p'.repeat(63), jobType: 'j'.repeat(128), payload: {} };
    const created = await send<JobView>(stack, 'POST', '/api/v1/jobs', { ...auth, 'Idempotency-Key': 'k'.repeat(200) }, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ project: body.project, jobType: body.jobType, idempotencyKey: 'k'.repeat(200) });
    const batch = await send(stack, 'POST', '/api/v1/jobs/batch', auth, { jobs: [{ ...body, tenant: TENANT }] });
    expect(batch.status).toBe(201);
    const canceled = await send<CancelJobResult>(stack, 'POST', `/api/v1/jobs/${created.body.id}/cancel`, {
      ...auth,
      'X-Orch-Reason': 'r'.repeat(256),
      'X-Orch-Ticket': 't'.repeat(128),
    });
    expect(canceled.status).toBe(200);
    const { rows } = await stack.pg.query(`SELECT reason, ticket FROM ledger.audit_log WHERE target_id = $1`, [created.body.id]);
    expect(rows).toEqual([{ reason: 'r'.repeat(256), ticket: 't'.repeat(128) }]);
  });

  it('refuses a job payload over API_MAX_PAYLOAD_BYTES (256 KiB serialized) with 413 naming it', async () => {
    const res = await send(stack, 'POST', '/api/v1/jobs', auth, { ...job, payload: { s: 'x'.repeat(262_144) } });
    expect(expectProblem(res, 413, 'payload_too_large').errors?.map((e) => e.path)).toEqual(['payload']);
  });
});
