import { DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { DeliveryView, NotifierEvent, WebhookHeaders, WebhookWithSecret } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import {
  createTestDatabase,
  createTestNamespace,
  readStream,
  ServiceProcess,
  startService,
  TestAuth,
  TestDatabase,
  TestNamespace,
  waitFor,
  waitForDurableCaughtUp,
} from '@orch/testing';
import { Client } from 'pg';
import { JobSpec, LedgerDriver } from '../int-test-support';
import { WEBHOOKS_DURABLE } from './webhook-fanout';
import { verifyWebhookSignature } from './webhook-signature';
import { deliveryRows, refusal, TEST_OPERATOR, WebhookCommands, WebhookReceiver, waitForWebhooksSettled } from './webhook-test-support';

const BACKOFF_BASE_MS = 300;
const MAX_ATTEMPTS = 3;
// Receiver clock vs. the notifier's timers: allow a little scheduling slack below the schedule's floor.
const CLOCK_SLACK_MS = 25;

describe('event-notifier delivers notifier events to webhooks (real NATS + PostgreSQL, real processes, local HTTP receiver)', () => {
  let db: TestDatabase;
  let auth: TestAuth;
  let ns: TestNamespace;
  let pg: Client;
  let env: Record<string, string>;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let ledger: LedgerDriver;
  let commands: WebhookCommands;
  let receiver: WebhookReceiver;
  const hooks: Record<'acmeAll' | 'acmeFiltered' | 'globexAll', WebhookWithSecret> = {} as never;
  const secrets: string[] = [];
  let outputBeforeRestart = '';

  const job = (tenant: string, project: string, correlationId: string): JobSpec => ({ tenant, project, jobType: 'demo.echo', correlationId });
  const ledgerIds = async (tenant: string, project?: string): Promise<string[]> =>
    (
      await pg.query<{ id: string }>(`SELECT id FROM ledger.job_events WHERE tenant = $1 AND ($2::text IS NULL OR project = $2) ORDER BY seq`, [
        tenant,
        project ?? null,
      ])
    ).rows.map((r) => r.id);
  const settled = async () => {
    await waitForDurableCaughtUp(ns.nc, ns.names.streams.events, 'event-notifier');
    await waitForWebhooksSettled(ns.nc, ns.names, pg);
  };
  const eventIdsAt = (path: string) => receiver.at(path).map((r) => r.headers['x-orch-event-id'] as string);
  const createHook = async (tenant: string, path: string, data: Record<string, unknown> = {}) => {
    const hook = await commands.create(tenant, { url: receiver.url(path), ...data });
    secrets.push(hook.secret);
    return hook;
  };
  const deliveryOf = async (tenant: string, webhookId: string, status: string): Promise<DeliveryView> =>
    waitFor(async () => (await commands.deliveries(tenant, webhookId)).items.find((d) => d.status === status), {
      what: `a ${status} delivery of webhook ${webhookId}`,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    // The event-notifier refuses to start without a JWKS (its SSE route verifies tokens).
    auth = await TestAuth.create();
    receiver = await WebhookReceiver.start();
    env = {
      DATABASE_URL: db.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      ORCH_NAMESPACE: ns.names.namespace,
      ...auth.env,
      WEBHOOK_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
      WEBHOOK_BACKOFF_MAX_MS: '5000',
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
      // Long: a change must reach the fan-out through invalidation, not expiry.
      WEBHOOK_CACHE_TTL_MS: '300000',
    };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', { ...env, LOG_LEVEL: 'debug' });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const client = new OrchClient(ns.nc, ns.names);
    ledger = new LedgerDriver(client);
    commands = new WebhookCommands(client);

    hooks.acmeAll = await createHook('acme', '/acme-all', { description: 'everything' });
    hooks.acmeFiltered = await createHook('acme', '/acme-filtered', { projects: ['p1'], eventTypes: ['job.created', 'job.succeeded'] });
    hooks.globexAll = await createHook('globex', '/globex-all');

    const a = await ledger.submit(job('acme', 'p1', 'acme-1'));
    await ledger.complete(await ledger.runToRunning(a, 'w-1'), 'w-1');
    const b = await ledger.submit(job('acme', 'p2', 'acme-2'));
    await ledger.complete(await ledger.runToRunning(b, 'w-2'), 'w-2');
    await ledger.submit(job('globex', 'p1', 'globex-1'));
  });

  afterAll(async () => {
    await notifier?.stop();
    await ledgerWriter?.stop();
    await receiver?.close();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it("delivers each of the tenant's events exactly once to an unfiltered webhook, signed with its secret, with the body SSE sends", async () => {
    const expected = await ledgerIds('acme');
    expect(expected).toHaveLength(10);
    await receiver.waitFor('/acme-all', expected.length);
    await settled();

    const got = receiver.at('/acme-all');
    expect(got).toHaveLength(expected.length);
    expect(new Set(eventIdsAt('/acme-all'))).toEqual(new Set(expected));
    const stored = new Map((await readStream(ns.nc, ns.names.streams.notify, ns.names.notifyTenant('acme'))).map((m) => [m.msgId, m.envelope.data]));
    const rows = new Map((await deliveryRows(pg, hooks.acmeAll.id)).map((r) => [r.event_id, r]));
    for (const r of got) {
      const event = JSON.parse(r.body) as NotifierEvent;
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifyWebhookSignature({ secret: hooks.acmeAll.secret, header: r.headers['x-orch-signature'] as string, body: r.body })).toMatchObject({ ok: true });
      expect(verifyWebhookSignature({ secret: hooks.globexAll.secret, header: r.headers['x-orch-signature'] as string, body: r.body }).ok).toBe(false);
      expect(r.headers['x-orch-event-id']).toBe(event.eventId);
      expect(r.headers['x-orch-event-type']).toBe(event.eventType);
      expect(r.headers['x-orch-delivery-attempt']).toBe('1');
      expect(r.headers['x-orch-delivery-id']).toBe(rows.get(event.eventId)?.id);
      expect(r.body).toBe(JSON.stringify(stored.get(event.eventId)));
      expect(event).toMatchObject({ schemaVersion: 'orch.event.v1', tenantId: 'acme' });
    }
    expect([...rows.values()].map((d) => [d.status, d.attempts, d.last_status_code])).toEqual(Array(expected.length).fill(['succeeded', 1, 200]));
    const page = await commands.deliveries('acme', hooks.acmeAll.id, { status: 'succeeded' });
    expect(page.items).toHaveLength(expected.length);
    for (const d of page.items) expect(d.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null, responseExcerpt: 'ok' })]);
  });

  it('applies the project and event-type filters of a webhook', async () => {
    await settled();
    const p1 = new Set(await ledgerIds('acme', 'p1'));
    const got = receiver.at('/acme-filtered').map((r) => JSON.parse(r.body) as NotifierEvent);
    expect(got.map((e) => e.eventType).sort()).toEqual(['job.created', 'job.succeeded']);
    for (const e of got) {
      expect(e.projectId).toBe('p1');
      expect(p1.has(e.eventId)).toBe(true);
    }
  });

  it("never sends a tenant's events to another tenant's webhook", async () => {
    await settled();
    expect(new Set(eventIdsAt('/globex-all'))).toEqual(new Set(await ledgerIds('globex')));
    expect(receiver.at('/globex-all').map((r) => (JSON.parse(r.body) as NotifierEvent).tenantId)).toEqual(['globex', 'globex']);
    const globexIds = new Set(await ledgerIds('globex'));
    expect(eventIdsAt('/acme-all').filter((id) => globexIds.has(id))).toEqual([]);
  });

  it('retries a failing receiver with growing delays, recording every attempt, until it answers 2xx', async () => {
    receiver.respond('/flaky', (nth) => (nth < 2 ? { status: 500, body: 'boom' } : { status: 204 }));
    const hook = await createHook('retry', '/flaky', { eventTypes: ['job.created'] });
    await ledger.submit(job('retry', 'p1', 'retry-1'));

    const delivery = await deliveryOf('retry', hook.id, 'succeeded');
    expect(delivery).toMatchObject({ attempts: 3, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode, a.error, a.responseExcerpt])).toEqual([
      [1, 500, 'HTTP 500', 'boom'],
      [2, 500, 'HTTP 500', 'boom'],
      [3, 204, null, null],
    ]);
    const got = receiver.at('/flaky');
    expect(got.map((r) => r.headers['x-orch-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(got.map((r) => r.headers['x-orch-delivery-id']))).toEqual(new Set([delivery.id]));
    expect(new Set(got.map((r) => r.headers['x-orch-event-id']))).toEqual(new Set([delivery.eventId]));
    for (const r of got) expect(verifyWebhookSignature({ secret: hook.secret, header: r.headers['x-orch-signature'] as string, body: r.body }).ok).toBe(true);
    // Equal jitter: the wait after attempt n is between half and all of base·2^(n−1), so the floors double.
    const [gap1, gap2] = gaps(got);
    expect(gap1).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2 - CLOCK_SLACK_MS);
    expect(gap2).toBeGreaterThanOrEqual(BACKOFF_BASE_MS - CLOCK_SLACK_MS);
    const [dbGap1, dbGap2] = gaps(delivery.attemptLog.map((a) => ({ receivedAt: Date.parse(a.startedAt) })));
    expect(dbGap1).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
    expect(dbGap2).toBeGreaterThanOrEqual(BACKOFF_BASE_MS);
  });

  it('gives up after the maximum attempts (dead), and a redelivery starts a new round that can succeed', async () => {
    let down = true;
    receiver.respond('/never', () => (down ? { status: 503, body: 'down for maintenance' } : { status: 200 }));
    const hook = await createHook('dead', '/never', { eventTypes: ['job.created'] });
    await ledger.submit(job('dead', 'p1', 'dead-1'));

    const dead = await deliveryOf('dead', hook.id, 'dead');
    expect(dead).toMatchObject({ attempts: MAX_ATTEMPTS, lastStatusCode: 503, nextAttemptAt: null });
    expect(dead.attemptLog.map((a) => a.statusCode)).toEqual(Array(MAX_ATTEMPTS).fill(503));
    expect(receiver.at('/never')).toHaveLength(MAX_ATTEMPTS);

    // Another tenant cannot redeliver it; a delivery that is not dead or failed cannot be redelivered.
    expect(await refusal(commands.send('acme', 'webhook.redeliver', { deliveryId: dead.id, operator: TEST_OPERATOR }))).toMatchObject({ code: 'not_found' });
    const succeeded = (await commands.deliveries('acme', hooks.acmeAll.id)).items[0];
    expect(await refusal(commands.send('acme', 'webhook.redeliver', { deliveryId: succeeded.id, operator: TEST_OPERATOR }))).toMatchObject({
      code: 'invalid_transition',
    });

    down = false;
    const redelivered = await commands.send<DeliveryView>('dead', 'webhook.redeliver', { deliveryId: dead.id, operator: TEST_OPERATOR });
    expect(redelivered).toMatchObject({ id: dead.id, status: 'pending', attempts: MAX_ATTEMPTS });
    const done = await deliveryOf('dead', hook.id, 'succeeded');
    expect(done.attempts).toBe(MAX_ATTEMPTS + 1);
    expect(done.attemptLog.map((a) => a.statusCode)).toEqual([...Array(MAX_ATTEMPTS).fill(503), 200]);
    expect(receiver.at('/never').map((r) => r.headers[WebhookHeaders.attempt.toLowerCase()])).toEqual(['1', '2', '3', '4']);
  });

  it('creates no second delivery when every notifier event is redelivered after an event-notifier restart', async () => {
    await settled();
    const deliveriesBefore = await deliveryRows(pg);
    const requestsBefore = receiver.requests.length;
    outputBeforeRestart = notifier.output();
    await notifier.stop();

    // Rewind the durable: after the restart the fan-out sees every notifier event of the stream again.
    const jsm = await jetstreamManager(ns.nc);
    const { config } = await jsm.consumers.info(ns.names.streams.notify, WEBHOOKS_DURABLE);
    await jsm.consumers.delete(ns.names.streams.notify, WEBHOOKS_DURABLE);
    await jsm.consumers.add(ns.names.streams.notify, { ...config, deliver_policy: DeliverPolicy.All, opt_start_seq: undefined });
    expect((await jsm.consumers.info(ns.names.streams.notify, WEBHOOKS_DURABLE)).num_pending).toBeGreaterThanOrEqual(deliveriesBefore.length);

    notifier = await startService('event-notifier', { ...env, LOG_LEVEL: 'debug' });
    await settled();
    expect(await deliveryRows(pg)).toEqual(deliveriesBefore);
    expect(receiver.requests).toHaveLength(requestsBefore);

    // And it keeps delivering new events.
    await ledger.submit(job('acme', 'p1', 'acme-3'));
    await receiver.waitFor('/acme-all', 12);
    await settled();
    expect(receiver.at('/acme-all')).toHaveLength(12);
  });

  it('never writes a webhook secret to its logs', () => {
    const output = outputBeforeRestart + notifier.output();
    expect(output).toMatch(/webhook delivery .* failed \(HTTP 500\); retry in \d+ ms/);
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});

function gaps(list: { receivedAt: number }[]): number[] {
  return list.slice(1).map((r, i) => r.receivedAt - list[i].receivedAt);
}
