import { request as httpRequest, IncomingMessage } from 'node:http';
import { jetstream } from '@nats-io/jetstream';
import { JobView, makeEnvelope, NotifierEvent } from '@orch/contracts';
import { encodeJson, OrchClient } from '@orch/messaging';
import {
  consumersOn,
  createTestDatabase,
  createTestNamespace,
  readStream,
  ServiceProcess,
  SseClient,
  startService,
  TestAuth,
  TestDatabase,
  TestNamespace,
  waitFor,
  waitForDurableCaughtUp,
} from '@orch/testing';
import { Client } from 'pg';
import { JobSpec, LedgerDriver } from '../int-test-support';

const MAX_BUFFER_BYTES = 64 * 1024;

describe('event-notifier SSE stream (real NATS + PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let env: Record<string, string>;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let ledger: LedgerDriver;
  let auth: TestAuth;
  const clients: SseClient[] = [];

  const streamUrl = (query: string) => `${notifier.baseUrl}/api/v1/events/stream?${query}`;
  /** An orch:read token of the query's `tenant`, unless `headers` carries one. */
  const open = async (query: string, headers: Record<string, string> = {}) => {
    const tenant = new URLSearchParams(query).get('tenant') ?? 'none';
    const token = 'Authorization' in headers ? {} : await auth.header({ tenant, scopes: ['orch:read'] });
    const c = await SseClient.open(streamUrl(query), { ...token, ...headers });
    clients.push(c);
    expect(c.status).toBe(200);
    return c;
  };
  const job = (tenant: string, project: string, jobType: string, correlationId: string): JobSpec => ({ tenant, project, jobType, correlationId });
  const tenantMessages = (tenant: string) => readStream(ns.nc, ns.names.streams.notify, ns.names.notifyTenant(tenant));
  const ledgerCount = async (tenant: string) =>
    (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger.job_events WHERE tenant = $1`, [tenant])).rows[0].n;
  const relayed = async (tenant: string) => {
    const n = await ledgerCount(tenant);
    await waitFor(async () => (await tenantMessages(tenant)).length === n, { what: `${n} notifier messages of ${tenant}` });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    env = {
      ...auth.env,
      DATABASE_URL: db.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      ORCH_NAMESPACE: ns.names.namespace,
      SSE_KEEPALIVE_MS: '300',
      SSE_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
    };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    ledger = new LedgerDriver(new OrchClient(ns.nc, ns.names));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await notifier?.stop();
    await ledgerWriter?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it('answers 401 problem+json without a token or with a bad one, with a Bearer challenge', async () => {
    const none = await fetch(streamUrl('tenant=red'));
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="orch"');
    expect(await none.json()).toMatchObject({ status: 401, code: 'unauthorized' });

    const expired = await fetch(streamUrl(`access_token=${await auth.token({ tenant: 'red', ttlSeconds: -120 })}`));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const foreignKey = await TestAuth.create();
    const forged = await fetch(streamUrl('tenant=red'), { headers: await foreignKey.header({ tenant: 'red' }) });
    foreignKey.cleanup();
    expect({ status: forged.status, code: ((await forged.json()) as { code: string }).code }).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('answers 403 without orch:read or for a tenant the token does not hold, 400 tenant_required for a multi-tenant token without a choice', async () => {
    const noScope = await fetch(streamUrl(''), { headers: await auth.header({ tenant: 'red', scopes: ['orch:operate'] }) });
    expect(await noScope.json()).toMatchObject({ status: 403, code: 'forbidden', detail: 'this operation requires scope orch:read' });
    const otherTenant = await fetch(streamUrl('tenant=blue'), { headers: await auth.header({ tenant: 'red', scopes: ['orch:read'] }) });
    expect(await otherTenant.json()).toMatchObject({ status: 403, code: 'forbidden' });
    const both = await auth.header({ tenants: ['red', 'blue'], scopes: ['orch:read'] });
    const unchosen = await fetch(streamUrl(''), { headers: both });
    expect(unchosen.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unchosen.json()).toMatchObject({ status: 400, code: 'tenant_required', type: expect.stringMatching(/tenant_required$/) });
  });

  it('answers 400 problem+json validation_failed for a bad Last-Event-ID or a malformed tenant selector', async () => {
    const badId = await fetch(streamUrl('tenant=red'), { headers: { ...(await auth.header({ tenant: 'red' })), 'Last-Event-ID': 'seven' } });
    expect(badId.status).toBe(400);
    expect(badId.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await badId.json()).toMatchObject({ status: 400, code: 'validation_failed', detail: expect.stringMatching(/Last-Event-ID/) });

    const badTenant = await fetch(streamUrl('tenant=a.%3E'), { headers: await auth.header({ tenant: 'red' }) });
    expect(await badTenant.json()).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('sends event-stream headers, the retry hint and keep-alive comments', async () => {
    const c = await open('tenant=quiet');
    expect(c.res.headers['content-type']).toBe('text/event-stream');
    expect(c.res.headers['cache-control']).toBe('no-cache');
    expect(c.res.headers['x-accel-buffering']).toBe('no');
    await waitFor(() => c.comments.filter((x) => x === 'keep-alive').length >= 2, { what: 'two keep-alive comments' });
    expect(c.raw.startsWith('retry: 2000\n\n')).toBe(true);
    c.close();
  });

  it('ends the stream with a token_expired error frame when the caller\'s token expires', async () => {
    const expiresAt = Date.now() + 2_000;
    const c = await open('', { Authorization: `Bearer ${await auth.token({ tenant: 'brief', scopes: ['orch:read'], ttlSeconds: 2 })}` });
    await c.closed;
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1_000);
    expect(c.ended).toBe(true);
    const last = c.events[c.events.length - 1];
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ code: 'token_expired' });
  });

  it("delivers only the tenant's own events: id = stream sequence, event = event type, data = the notifier event", async () => {
    const red = await open('tenant=red');
    const blue = await open('tenant=blue', {});
    // A token of two tenants choosing blue with X-Orch-Tenant; another taking the token from the query (EventSource style).
    const viaHeader = await SseClient.open(`${notifier.baseUrl}/api/v1/events/stream`, {
      ...(await auth.header({ tenants: ['red', 'blue'], scopes: ['orch:read'] })),
      'X-Orch-Tenant': 'blue',
    });
    const viaQuery = await SseClient.open(streamUrl(`tenant=blue&access_token=${await auth.token({ tenants: ['red', 'blue'], scopes: ['orch:read'] })}`));
    clients.push(viaHeader, viaQuery);
    await ledger.submit(job('red', 'p1', 'demo.echo', 'r1'));
    await ledger.submit(job('red', 'p1', 'demo.echo', 'r2'));
    await ledger.submit(job('blue', 'p1', 'demo.echo', 'b1'));
    await red.waitForEvents(4);
    await blue.waitForEvents(2);
    await viaHeader.waitForEvents(2);
    await viaQuery.waitForEvents(2);

    const stored = await tenantMessages('red');
    expect(red.notifierEvents.map((e) => e.eventId)).toEqual(stored.map((m) => m.msgId));
    expect(red.notifierEvents.map((e) => e.sseId)).toEqual(stored.map((m) => m.seq));
    for (const e of red.notifierEvents) {
      expect(e).toMatchObject({ schemaVersion: 'orch.event.v1', tenantId: 'red' });
      expect(e.sseEvent).toBe(e.eventType);
    }
    expect(blue.notifierEvents.map((e) => e.tenantId)).toEqual(['blue', 'blue']);
    expect(viaHeader.notifierEvents.map((e) => e.eventId)).toEqual(blue.notifierEvents.map((e) => e.eventId));
    expect(viaQuery.notifierEvents.map((e) => e.eventId)).toEqual(blue.notifierEvents.map((e) => e.eventId));
    // Red's events were stored before blue's, so a leak would have arrived already.
    for (const c of [blue, viaHeader, viaQuery]) expect(c.events).toHaveLength(2);
  });

  it('applies the project, jobType and correlationId filters on the server', async () => {
    const byProjectAndType = await open('tenant=green&project=p1&jobType=demo.echo');
    const byCorrelation = await open('tenant=green&correlationId=g2');
    await ledger.submit(job('green', 'p2', 'demo.echo', 'g1'));
    await ledger.submit(job('green', 'p1', 'demo.other', 'g2'));
    const wanted = await ledger.submit(job('green', 'p1', 'demo.echo', 'g3'));
    await byProjectAndType.waitForEvents(2);
    await byCorrelation.waitForEvents(2);
    await relayed('green');
    expect(byProjectAndType.notifierEvents.map((e) => [e.job.id, e.projectId, e.job.type])).toEqual([
      [wanted.id, 'p1', 'demo.echo'],
      [wanted.id, 'p1', 'demo.echo'],
    ]);
    expect(byCorrelation.notifierEvents.map((e) => e.correlationId)).toEqual(['g2', 'g2']);
    expect(byCorrelation.notifierEvents.map((e) => e.eventType)).toEqual(['job.created', 'job.queued']);
  });

  it('resumes after Last-Event-ID with exactly the missed events, through a filter, and stops the consumer of a closed client', async () => {
    const filter = ns.names.notifyTenant('amber');
    const first = await open('tenant=amber&project=p1');
    expect(await consumersOn(ns.nc, ns.names.streams.notify, filter)).toBe(1);
    const seen = await ledger.submit(job('amber', 'p1', 'demo.echo', 'a1'));
    await first.waitForEvents(2);
    first.close();
    await waitFor(async () => (await consumersOn(ns.nc, ns.names.streams.notify, filter)) === 0, { what: 'the closed client’s consumer to go' });

    // Missed while disconnected: p2 events (filtered out) interleaved with p1 events.
    const missed: JobView[] = [];
    for (const [i, project] of ['p2', 'p1', 'p2', 'p1'].entries()) {
      const j = await ledger.submit(job('amber', project, 'demo.echo', `a-missed-${i}`));
      if (project === 'p1') missed.push(j);
    }
    await relayed('amber');
    const expected = (await tenantMessages('amber'))
      .map((m) => m.envelope.data as NotifierEvent)
      .filter((e) => missed.some((j) => j.id === e.job.id))
      .map((e) => e.eventId);
    expect(expected).toHaveLength(4);

    const resumed = await open('tenant=amber&project=p1', { 'Last-Event-ID': first.lastId! });
    const viaQuery = await open(`tenant=amber&project=p1&from=start&lastEventId=${first.lastId}`);
    const replay = await open('tenant=amber&project=p1&from=start');
    await resumed.waitForEvents(4);
    await viaQuery.waitForEvents(4);
    await replay.waitForEvents(6);
    // One more matching event marks the end: nothing may arrive between the missed ones and it.
    const marker = await ledger.submit(job('amber', 'p1', 'demo.echo', 'a-marker'));
    for (const c of [resumed, viaQuery]) {
      await c.waitForEvents(6);
      expect(c.notifierEvents.slice(0, 4).map((e) => e.eventId)).toEqual(expected);
      expect(c.notifierEvents.slice(4).map((e) => e.job.id)).toEqual([marker.id, marker.id]);
      expect(c.notifierEvents.some((e) => e.job.id === seen.id)).toBe(false);
    }
    await replay.waitForEvents(8);
    expect(replay.notifierEvents.slice(0, 2).map((e) => e.job.id)).toEqual([seen.id, seen.id]);
  });

  it('keeps resume exact across an event-notifier restart, with one notify message per ledger event', async () => {
    const before = await open('tenant=phoenix');
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph1'));
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph2'));
    await before.waitForEvents(4);

    // SIGTERM ends the open stream, so the process exits cleanly instead of hanging on it.
    expect(await notifier.stop()).toBe(0);
    await before.closed;
    expect(before.comments).toContain('server shutting down; reconnect with Last-Event-ID');

    const whileDown = [
      await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph3')),
      await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph4')),
    ];
    notifier = await startService('event-notifier', env);
    const after = await open('tenant=phoenix', { 'Last-Event-ID': before.lastId! });
    await after.waitForEvents(4);
    const marker = await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph5'));
    await after.waitForEvents(6);
    // The backlog is relayed concurrently after the restart, so compare as sorted lists: exactly these, each once.
    expect(after.notifierEvents.map((e) => e.job.id).sort()).toEqual([whileDown[0].id, whileDown[0].id, whileDown[1].id, whileDown[1].id, marker.id, marker.id].sort());
    const all = [...before.notifierEvents, ...after.notifierEvents];
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);

    await waitForDurableCaughtUp(ns.nc, ns.names.streams.events, 'event-notifier');
    const stored = await tenantMessages('phoenix');
    const ledgerIds = (await pg.query<{ id: string }>(`SELECT id FROM ledger.job_events WHERE tenant = 'phoenix'`)).rows.map((r) => r.id);
    expect(stored).toHaveLength(ledgerIds.length);
    expect(new Set(stored.map((m) => m.msgId))).toEqual(new Set(ledgerIds));
    expect(all.map((e) => e.eventId)).toEqual(stored.map((m) => m.msgId));
  });

  it('cuts off a client that does not read once its buffer passes the limit, with an error frame', async () => {
    const tenant = 'slow';
    const filter = ns.names.notifyTenant(tenant);
    const token = await auth.token({ tenant, scopes: ['orch:read'] });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(streamUrl(`access_token=${token}`), (r) => resolve(r));
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    res.setEncoding('utf8');

    // Large synthetic notifier messages fill the socket buffers quickly; 200 x 64 KiB is far more than the kernel holds.
    const js = jetstream(ns.nc);
    const filler = 'x'.repeat(64 * 1024);
    const total = 200;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        js.publish(
          ns.names.notify(tenant, 'job.progress'),
          encodeJson(makeEnvelope({ type: 'orch.event.v1', tenant, project: 'p1', correlationId: `s${i}`, data: { eventType: 'job.progress', filler } })),
        ),
      ),
    );
    await waitFor(async () => (await consumersOn(ns.nc, ns.names.streams.notify, filter)) === 0, { what: 'the slow client to be cut off' });

    let text = '';
    res.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<void>((resolve) => res.on('end', () => resolve()));
    res.resume();
    await ended;
    const frames = text.split('\n\n').filter((f) => f.length > 0);
    const delivered = frames.filter((f) => f.includes('event: job.progress')).length;
    expect(delivered).toBeLessThan(total);
    const last = frames[frames.length - 1];
    expect(last).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(last.split('\ndata: ')[1])).toMatchObject({ code: 'client_too_slow', reason: expect.stringMatching(/client too slow/) });
    expect(last).not.toMatch(/^id:/m);
  });
});
