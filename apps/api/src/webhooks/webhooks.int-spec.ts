import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditEntryView, DeliveryView, JobView, NotifierEvent, WebhookView, WebhookWithSecret } from '@orch/contracts';
import { ServiceProcess, startService, waitFor } from '@orch/testing';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, operatorAuth, send } from '../test-support/control-plane';

interface Page<T> {
  items: T[];
  next_page_token: string | null;
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const TENANT = 'acme';
const OTHER = 'globex';
const REASON = { 'X-Orch-Reason': 'webhook test' };

/** A local webhook endpoint on 127.0.0.1: records requests, answers 500 on paths under /fail, 200 elsewhere. */
async function startReceiver(): Promise<{ server: Server; url: (path: string) => string; at: (path: string) => Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: (path) => `${base}${path}`, at: (path) => received.filter((r) => r.path === path) };
}

/** The receiver's side of `X-Orch-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
function signatureValid(secret: string, header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  return m !== null && createHmac('sha256', secret).update(`${m[1]}.${body}`, 'utf8').digest('hex') === m[2];
}

describe('/api/v1/webhooks (api, ledger-writer and event-notifier as real processes, local HTTP receiver)', () => {
  // One attempt per delivery round, so a failing endpoint's delivery is dead at once and can be redelivered.
  const stack = new ApiStack({ WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_POLL_MS: '50', WEBHOOK_CACHE_TTL_MS: '0' });
  let notifier: ServiceProcess;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let ops: Record<string, string>;
  let otherOps: Record<string, string>;

  const create = (body: unknown, headers: Record<string, string> = {}) => send<WebhookWithSecret>(stack, 'POST', '/api/v1/webhooks', { ...ops, ...REASON, ...headers }, body);
  const webhookRows = async () => (await stack.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.webhooks`)).rows[0].n;
  const deliveries = async (id: string, tenant = TENANT) => (await stack.get<Page<DeliveryView>>(`/api/v1/webhooks/${id}/deliveries`, tenant)).body.items;

  beforeAll(async () => {
    await stack.start();
    notifier = await startService('event-notifier', stack.env);
    receiver = await startReceiver();
    ops = await operatorAuth(stack, TENANT);
    otherOps = await operatorAuth(stack, OTHER);
  }, 150_000);
  afterAll(async () => {
    await notifier?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
    await stack.stop();
  }, 60_000);

  it('registers a webhook: 201 with Location and the secret, which no read shows; the change is audited', async () => {
    const res = await create({ url: 'https://hooks.example.com/a', projects: ['p1'], eventTypes: ['job.failed'], description: 'alerts' }, { 'Idempotency-Key': 'wh-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/webhooks/${res.body.id}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.body).toMatchObject({ tenant: TENANT, url: 'https://hooks.example.com/a', projects: ['p1'], eventTypes: ['job.failed'], enabled: true, createdBy: 'ops@example.com' });
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(res.body).not.toHaveProperty('replayed');

    const got = await stack.get<WebhookView>(`/api/v1/webhooks/${res.body.id}`, TENANT);
    const { secret, ...view } = res.body;
    expect(got.body).toEqual(view);
    const list = await stack.get<Page<WebhookView>>('/api/v1/webhooks', TENANT);
    expect(list.body.items.map((w) => w.id)).toContain(res.body.id);
    expect(JSON.stringify(list.body) + JSON.stringify(got.body)).not.toContain(secret);

    const audited = await waitFor(
      async () => (await stack.get<Page<AuditEntryView>>(`/api/v1/audit?action=webhook.create&targetId=${res.body.id}`, TENANT)).body.items[0],
      { what: 'the webhook.create audit entry' },
    );
    expect(audited).toMatchObject({ targetType: 'webhook', reason: 'webhook test', actor: { subject: 'ops@example.com' }, after: { url: 'https://hooks.example.com/a' } });
    expect(JSON.stringify(audited)).not.toContain(secret);
  });

  it('answers a repeated create with the same key and body 200 with the same webhook and secret; another body is 409; nothing more is created', async () => {
    const body = { url: 'https://hooks.example.com/replay' };
    const first = await create(body, { 'Idempotency-Key': 'wh-replay' });
    expect(first.status).toBe(201);
    const rows = await webhookRows();
    const again = await create(body, { 'Idempotency-Key': 'wh-replay' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(await create({ url: 'https://hooks.example.com/other' }, { 'Idempotency-Key': 'wh-replay' }), 409, 'idempotency_conflict');
    // The key is the tenant's: another tenant with the same key creates its own webhook.
    const theirs = await send<WebhookWithSecret>(stack, 'POST', '/api/v1/webhooks', { ...otherOps, ...REASON, 'Idempotency-Key': 'wh-replay' }, body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    expect(await webhookRows()).toBe(rows + 1);
  });

  it('updates a webhook, returns a rotated secret once, and deletes it', async () => {
    const hook = (await create({ url: 'https://hooks.example.com/u' })).body;
    const updated = await send<WebhookView>(stack, 'PATCH', `/api/v1/webhooks/${hook.id}`, { ...ops, ...REASON }, { enabled: false, description: 'paused' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ enabled: false, description: 'paused' });
    expect(updated.body).not.toHaveProperty('secret');
    const rotated = await send<WebhookWithSecret>(stack, 'PATCH', `/api/v1/webhooks/${hook.id}`, { ...ops, ...REASON }, { rotateSecret: true });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expectProblem(await send(stack, 'PATCH', `/api/v1/webhooks/${hook.id}`, { ...ops, ...REASON }, {}), 400, 'validation_failed');
    const deleted = await send(stack, 'DELETE', `/api/v1/webhooks/${hook.id}`, { ...ops, ...REASON });
    expect({ status: deleted.status, body: deleted.body }).toEqual({ status: 200, body: { webhookId: hook.id, deleted: true } });
    expectProblem(await stack.get(`/api/v1/webhooks/${hook.id}`, TENANT), 404, 'not_found');
  });

  it('needs orch:operate and X-Orch-Reason for changes, orch:read for reads, and changes nothing when refused', async () => {
    const hook = (await create({ url: 'https://hooks.example.com/guarded' })).body;
    const rows = await webhookRows();
    const reader = await stack.authHeader({ tenant: TENANT, scopes: ['orch:read'] });
    const body = { url: 'https://hooks.example.com/x' };
    expect(expectProblem(await send(stack, 'POST', '/api/v1/webhooks', ops, body), 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['X-Orch-Reason']);
    expectProblem(await send(stack, 'POST', '/api/v1/webhooks', { ...reader, ...REASON }, body), 403, 'forbidden');
    expectProblem(await send(stack, 'PATCH', `/api/v1/webhooks/${hook.id}`, ops, { enabled: false }), 400, 'validation_failed');
    expectProblem(await send(stack, 'DELETE', `/api/v1/webhooks/${hook.id}`, { ...reader, ...REASON }), 403, 'forbidden');
    const writer = await stack.authHeader({ tenant: TENANT, scopes: ['orch:operate'] });
    expectProblem(await stack.call('/api/v1/webhooks', { headers: writer }), 403, 'forbidden');
    expect(await webhookRows()).toBe(rows);
    expect((await stack.get<WebhookView>(`/api/v1/webhooks/${hook.id}`, TENANT)).body.enabled).toBe(true);
  });

  it("answers 404 for another tenant's webhook (get, patch, delete, deliveries) as for an unknown or malformed id, and lists none of it", async () => {
    const hook = (await create({ url: 'https://hooks.example.com/mine' })).body;
    const answers = [
      await stack.get(`/api/v1/webhooks/${hook.id}`, OTHER),
      await send(stack, 'PATCH', `/api/v1/webhooks/${hook.id}`, { ...otherOps, ...REASON }, { enabled: false }),
      await send(stack, 'DELETE', `/api/v1/webhooks/${hook.id}`, { ...otherOps, ...REASON }),
      await stack.get(`/api/v1/webhooks/${hook.id}/deliveries`, OTHER),
      await stack.get('/api/v1/webhooks/01a20811-0000-7000-8000-000000000000', TENANT),
      await stack.get('/api/v1/webhooks/not-an-id', TENANT),
    ];
    for (const res of answers) expectProblem(res, 404, 'not_found');
    const theirs = (await stack.get<Page<WebhookView>>('/api/v1/webhooks?page_size=500', OTHER)).body.items;
    expect(theirs.some((w) => w.id === hook.id)).toBe(false);
    expect((await stack.get<WebhookView>(`/api/v1/webhooks/${hook.id}`, TENANT)).body.enabled).toBe(true);
  });

  it('pages the list with page_size and page_token, newest first', async () => {
    const ops3 = await operatorAuth(stack, 'pager');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await send<WebhookWithSecret>(stack, 'POST', '/api/v1/webhooks', { ...ops3, ...REASON }, { url: `https://hooks.example.com/${i}` })).body.id);
    const first = (await stack.get<Page<WebhookView>>('/api/v1/webhooks?page_size=2', 'pager')).body;
    expect(first.items.map((w) => w.id)).toEqual([ids[2], ids[1]]);
    const second = (await stack.get<Page<WebhookView>>(`/api/v1/webhooks?page_size=2&page_token=${first.next_page_token}`, 'pager')).body;
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_page_token: null });
    const bad = await stack.get('/api/v1/webhooks?page_token=bm90LWEtdXVpZA', 'pager');
    expect(expectProblem(bad, 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['page_token']);
  });

  it('delivers signed notifier events to the endpoint and lists the delivery', async () => {
    const hook = (await create({ url: receiver.url('/ok'), eventTypes: ['job.queued'] })).body;
    const job = (await stack.submit<JobView>({ tenant: TENANT, project: 'p1', jobType: 'demo.webhook', payload: {} })).body;
    const [request] = await waitFor(() => (receiver.at('/ok').length > 0 ? receiver.at('/ok') : undefined), { what: 'a webhook request on /ok' });
    expect(signatureValid(hook.secret, request.headers['x-orch-signature'] as string, request.body)).toBe(true);
    const event = JSON.parse(request.body) as NotifierEvent;
    expect(event).toMatchObject({ eventType: 'job.queued', tenantId: TENANT, job: { id: job.id } });
    expect(request.headers['x-orch-event-type']).toBe('job.queued');
    const [delivery] = await waitFor(async () => ((await deliveries(hook.id)).some((d) => d.status === 'succeeded') ? deliveries(hook.id) : undefined), {
      what: 'a succeeded delivery',
    });
    expect(delivery).toMatchObject({ webhookId: hook.id, eventId: event.eventId, status: 'succeeded', attempts: 1, attemptLog: [expect.objectContaining({ statusCode: 200 })] });
  });

  it('redelivers a dead delivery once per Idempotency-Key; another reason with that key is 409; a live one is 409; another tenant gets 404', async () => {
    // Project filters keep each hook to the one job submitted for it.
    const hook = (await create({ url: receiver.url('/fail'), eventTypes: ['job.queued'], projects: ['pfail'] })).body;
    await stack.submit({ tenant: TENANT, project: 'pfail', jobType: 'demo.webhook', payload: { fail: true } });
    const dead = await waitFor(async () => (await deliveries(hook.id)).find((d) => d.status === 'dead'), { what: 'a dead delivery' });
    expect(receiver.at('/fail')).toHaveLength(1);
    const path = `/api/v1/webhooks/deliveries/${dead.id}/redeliver`;
    const headers = { ...ops, ...REASON, 'Idempotency-Key': 'redeliver-1' };

    const first = await send<DeliveryView>(stack, 'POST', path, headers);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: dead.id, status: 'pending' });
    expect(first.body).not.toHaveProperty('replayed');
    await waitFor(() => receiver.at('/fail').length === 2, { what: 'the redelivered request' });
    await waitFor(async () => (await deliveries(hook.id))[0].status === 'dead', { what: 'the redelivery to fail again' });

    const replay = await send<DeliveryView>(stack, 'POST', path, headers);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id: dead.id, status: 'dead', attempts: 2 });
    expectProblem(await send(stack, 'POST', path, { ...headers, 'X-Orch-Reason': 'another reason' }), 409, 'idempotency_conflict');
    expectProblem(await send(stack, 'POST', path, { ...otherOps, ...REASON }), 404, 'not_found');

    const ok = (await create({ url: receiver.url('/ok2'), eventTypes: ['job.queued'], projects: ['pok'] })).body;
    await stack.submit({ tenant: TENANT, project: 'pok', jobType: 'demo.webhook', payload: { ok: true } });
    const succeeded = await waitFor(async () => (await deliveries(ok.id)).find((d) => d.status === 'succeeded'), { what: 'a succeeded delivery on /ok2' });
    expectProblem(await send(stack, 'POST', `/api/v1/webhooks/deliveries/${succeeded.id}/redeliver`, { ...ops, ...REASON }), 409, 'invalid_transition');
    // Neither the replay nor the refusals sent anything.
    expect(receiver.at('/fail')).toHaveLength(2);
  });
});
