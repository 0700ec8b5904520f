import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { makeEnvelope } from '@orch/contracts';
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
  WsTestClient,
} from '@orch/testing';
import { JobSpec, LedgerDriver } from '../int-test-support';

const MAX_BUFFER_BYTES = 64 * 1024;
const RETENTION_MS = 6 * 3_600_000;

describe('event-notifier WebSocket stream (real NATS + PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let env: Record<string, string>;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let ledger: LedgerDriver;
  let auth: TestAuth;
  const clients: { close(): void }[] = [];

  const wsUrl = (query = '', base = notifier.baseUrl) => `${base.replace(/^http/, 'ws')}/api/v1/events/ws${query ? `?${query}` : ''}`;
  const readToken = (tenant: string) => auth.token({ tenant, scopes: ['orch:read'] });
  /** A client of `tenant` with an orch:read token in the Authorization header. */
  const connect = async (tenant: string, query = '', base?: string) => {
    const c = await WsTestClient.connect(wsUrl(query, base), { headers: { Authorization: `Bearer ${await readToken(tenant)}` } });
    clients.push(c);
    return c;
  };
  const job = (tenant: string, project: string, jobType: string, correlationId: string): JobSpec => ({ tenant, project, jobType, correlationId });
  const tenantMessages = (tenant: string) => readStream(ns.nc, ns.names.streams.notify, ns.names.notifyTenant(tenant));

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    env = {
      ...auth.env,
      DATABASE_URL: db.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      ORCH_NAMESPACE: ns.names.namespace,
      WS_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
      // Long enough that a paused client is cut off for its buffer, not for a missed pong.
      WS_PING_INTERVAL_MS: '10000',
      // Retention comes from the environment, the same for every service.
      ORCH_NOTIFY_MAX_AGE_MS: String(RETENTION_MS),
    };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    ledger = new LedgerDriver(new OrchClient(ns.nc, ns.names));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await notifier?.stop();
    await ledgerWriter?.stop();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it('keeps the NOTIFY stream (what clients resume from) for the configured retention', async () => {
    const info = await (await jetstreamManager(ns.nc)).streams.info(ns.names.streams.notify);
    expect(info.config.max_age).toBe(nanos(RETENTION_MS));
  });

  it('refuses the upgrade with a 401 problem+json without a token or with a bad one, before any WebSocket exists', async () => {
    const none = await WsTestClient.refusal(wsUrl('tenant=red'));
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="orch"');
    expect(JSON.parse(none.body)).toMatchObject({ status: 401, code: 'unauthorized' });

    const expired = await WsTestClient.refusal(wsUrl(`access_token=${await auth.token({ tenant: 'red', scopes: ['orch:read'], ttlSeconds: -120 })}`));
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/error="invalid_token"/);

    const foreignKey = await TestAuth.create();
    const forged = await WsTestClient.refusal(wsUrl(), { Authorization: `Bearer ${await foreignKey.token({ tenant: 'red', scopes: ['orch:read'] })}` });
    foreignKey.cleanup();
    expect({ status: forged.status, code: (JSON.parse(forged.body) as { code: string }).code }).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('refuses with 403 without orch:read or for a tenant the token does not hold, and 400 for a bad since or a plain GET', async () => {
    const noScope = await WsTestClient.refusal(wsUrl(), { Authorization: `Bearer ${await auth.token({ tenant: 'red', scopes: ['orch:operate'] })}` });
    expect(noScope.status).toBe(403);
    expect(JSON.parse(noScope.body)).toMatchObject({ code: 'forbidden', detail: 'this operation requires scope orch:read' });
    const otherTenant = await WsTestClient.refusal(wsUrl(`tenant=blue&access_token=${await readToken('red')}`));
    expect(otherTenant.status).toBe(403);

    const badSince = await WsTestClient.refusal(wsUrl(`since=seven&access_token=${await readToken('red')}`));
    expect(badSince.status).toBe(400);
    expect(JSON.parse(badSince.body)).toMatchObject({ code: 'validation_failed', detail: expect.stringMatching(/since/) });

    const plain = await fetch(`${notifier.baseUrl}/api/v1/events/ws`, { headers: { Authorization: `Bearer ${await readToken('red')}` } });
    expect(plain.status).toBe(400);
    expect(plain.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await plain.json()).toMatchObject({ code: 'validation_failed', detail: expect.stringMatching(/WebSocket/) });
  });

  it("delivers only the tenant's own events as {seq, event}, seq numbered like the SSE ids", async () => {
    const red = await connect('red');
    const blueViaQuery = await WsTestClient.connect(wsUrl(`access_token=${await readToken('blue')}`));
    clients.push(blueViaQuery);
    const sse = await SseClient.open(`${notifier.baseUrl}/api/v1/events/stream`, { Authorization: `Bearer ${await readToken('red')}` });
    clients.push(sse);
    await ledger.submit(job('red', 'p1', 'demo.echo', 'r1'));
    await ledger.submit(job('blue', 'p1', 'demo.echo', 'b1'));
    await ledger.submit(job('red', 'p2', 'demo.echo', 'r2'));
    await red.waitForMessages(4);
    await blueViaQuery.waitForMessages(2);
    await sse.waitForEvents(4);

    const stored = await tenantMessages('red');
    expect(red.seqs).toEqual(stored.map((m) => m.seq));
    expect(red.events.map((e) => e.eventId)).toEqual(stored.map((m) => m.msgId));
    expect(red.seqs).toEqual(sse.notifierEvents.map((e) => e.sseId));
    for (const e of red.events) expect(e).toMatchObject({ schemaVersion: 'orch.event.v1', tenantId: 'red', correlationId: expect.stringMatching(/^r\d$/) });
    expect(red.events.map((e) => e.projectId)).toEqual(['p1', 'p1', 'p2', 'p2']);
    // Red's events were stored before and after blue's, so a leak would have arrived already.
    expect(blueViaQuery.events.map((e) => [e.tenantId, e.correlationId])).toEqual([
      ['blue', 'b1'],
      ['blue', 'b1'],
    ]);
  });

  it('applies the project, jobType and correlationId filters on the server', async () => {
    const byProjectAndType = await connect('green', 'project=p1&jobType=demo.echo');
    const byCorrelation = await connect('green', 'correlationId=g2');
    await ledger.submit(job('green', 'p2', 'demo.echo', 'g1'));
    await ledger.submit(job('green', 'p1', 'demo.other', 'g2'));
    const wanted = await ledger.submit(job('green', 'p1', 'demo.echo', 'g3'));
    await byProjectAndType.waitForMessages(2);
    await byCorrelation.waitForMessages(2);
    // Everything is relayed by now (the last job's events came through): nothing else may have matched.
    await waitFor(async () => (await tenantMessages('green')).length === 6, { what: 'six green notifier messages' });
    expect(byProjectAndType.events.map((e) => [e.job.id, e.projectId, e.job.type])).toEqual([
      [wanted.id, 'p1', 'demo.echo'],
      [wanted.id, 'p1', 'demo.echo'],
    ]);
    expect(byCorrelation.events.map((e) => e.correlationId)).toEqual(['g2', 'g2']);
    expect(byCorrelation.events.map((e) => e.eventType).sort()).toEqual(['job.created', 'job.queued']);
  });

  it('resumes after since with exactly the missed events, replays with from=start, and stops the consumer of a closed client', async () => {
    const filter = ns.names.notifyTenant('amber');
    const first = await connect('amber', 'project=p1');
    expect(await consumersOn(ns.nc, ns.names.streams.notify, filter)).toBe(1);
    const seen = await ledger.submit(job('amber', 'p1', 'demo.echo', 'a1'));
    await first.waitForMessages(2);
    first.close();
    await waitFor(async () => (await consumersOn(ns.nc, ns.names.streams.notify, filter)) === 0, { what: 'the closed client’s consumer to go' });

    const missed: string[] = [];
    for (const [i, project] of ['p2', 'p1', 'p2', 'p1'].entries()) {
      const j = await ledger.submit(job('amber', project, 'demo.echo', `a-missed-${i}`));
      if (project === 'p1') missed.push(j.id);
    }
    await waitFor(async () => (await tenantMessages('amber')).length === 10, { what: 'ten amber notifier messages' });

    const resumed = await connect('amber', `project=p1&since=${first.lastSeq}&from=start`);
    const replay = await connect('amber', 'project=p1&from=start');
    await resumed.waitForMessages(4);
    await replay.waitForMessages(6);
    // One more matching event marks the end: nothing may arrive between the missed ones and it.
    const marker = await ledger.submit(job('amber', 'p1', 'demo.echo', 'a-marker'));
    await resumed.waitForMessages(6);
    await replay.waitForMessages(8);
    const p1 = (await tenantMessages('amber')).filter((m) => m.envelope.project === 'p1');
    expect(p1).toHaveLength(8);
    expect(replay.seqs).toEqual(p1.map((m) => m.seq));
    expect(replay.events.slice(0, 2).map((e) => e.job.id)).toEqual([seen.id, seen.id]);
    const afterFirst = p1.filter((m) => m.seq > first.lastSeq!);
    expect(resumed.seqs).toEqual(afterFirst.map((m) => m.seq));
    expect(resumed.events.map((e) => e.eventId)).toEqual(afterFirst.map((m) => m.msgId));
    expect(new Set(resumed.events.map((e) => e.job.id))).toEqual(new Set([...missed, marker.id]));
  });

  it('keeps resume with since exact across an event-notifier restart: no gap, no duplicate', async () => {
    const before = await connect('phoenix');
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph1'));
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph2'));
    await before.waitForMessages(4);

    // SIGTERM closes the open WebSocket with 1001, so the process exits cleanly instead of hanging on it.
    expect(await notifier.stop()).toBe(0);
    expect(await before.closed).toEqual({ code: 1001, reason: 'server_shutdown' });

    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph3'));
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph4'));
    notifier = await startService('event-notifier', env);
    const after = await connect('phoenix', `since=${before.lastSeq}`);
    await after.waitForMessages(4);
    await ledger.submit(job('phoenix', 'p1', 'demo.echo', 'ph5'));
    await after.waitForMessages(6);

    const stored = await tenantMessages('phoenix');
    expect(stored).toHaveLength(10);
    expect([...before.seqs, ...after.seqs]).toEqual(stored.map((m) => m.seq));
    expect([...before.events, ...after.events].map((e) => e.eventId)).toEqual(stored.map((m) => m.msgId));
  });

  it('closes the connection with the token_expired reason when the token expires', async () => {
    const token = await auth.token({ tenant: 'brief', scopes: ['orch:read'], ttlSeconds: 2 });
    const c = await WsTestClient.connect(wsUrl(`access_token=${token}`));
    clients.push(c);
    expect(await c.closed).toEqual({ code: 1008, reason: 'token_expired' });
  });

  it('closes a client that stops reading with 1008 client_too_slow once its buffer passes the limit', async () => {
    const tenant = 'slow';
    const filter = ns.names.notifyTenant(tenant);
    const c = await connect(tenant);
    c.pause();
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
    expect(c.closeInfo).toBeUndefined();
    c.resume();
    expect(await c.closed).toEqual({ code: 1008, reason: 'client_too_slow' });
    expect(c.messages.length).toBeGreaterThan(0);
    expect(c.messages.length).toBeLessThan(total);
    // What it did get is a gap-free prefix, so it can resume with since=<last seq>.
    const stored = await readStream(ns.nc, ns.names.streams.notify, filter);
    expect(c.seqs).toEqual(stored.slice(0, c.messages.length).map((m) => m.seq));
  });

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const quick = await startService('event-notifier', { ...env, WS_PING_INTERVAL_MS: '200' });
    try {
      const answering = await connect('quiet', '', quick.baseUrl);
      const silentNoPong = await WsTestClient.connect(wsUrl(`access_token=${await readToken('quiet')}`, quick.baseUrl), { autoPong: false });
      clients.push(silentNoPong);
      const started = Date.now();
      // 1006: the server dropped the connection without a close frame (the client is presumed dead).
      expect((await silentNoPong.closed).code).toBe(1006);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The client that answers pings outlived several intervals.
      expect(answering.closeInfo).toBeUndefined();
      answering.close();
    } finally {
      await quick.stop();
    }
  });
});
