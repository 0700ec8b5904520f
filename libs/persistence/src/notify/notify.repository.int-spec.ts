import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { admin, testDatabaseUrl } from '../test-databases';
import { DeliveryRepository } from './delivery.repository';
import { createNotifyDataSource, runNotifyMigrations } from './notify-data-source';
import { WebhookRepository } from './webhook.repository';


const attempt = (statusCode: number | null) => ({ startedAt: new Date(), durationMs: 12, statusCode, error: statusCode === 200 ? null : 'HTTP 500', responseExcerpt: 'x' });

describe('notify schema repositories (real PostgreSQL)', () => {
  const dbName = `orch_test_notify_${randomBytes(4).toString('hex')}`;
  const dbUrl = testDatabaseUrl(dbName);
  let ds: DataSource;
  const webhooks = new WebhookRepository();
  const deliveries = new DeliveryRepository();

  const hook = async (tenant: string, enabled = true) =>
    webhooks.insertWebhook(ds, {
      webhook: { id: uuidv7(), tenant, projects: null, eventTypes: [], url: 'https://hooks.example.com/', secret: `whsec_${tenant}`, description: null, enabled, createdBy: 'ops' },
    });
  const enqueue = (tenant: string, eventId: string, webhookIds: string[]) =>
    deliveries.enqueueDeliveries(ds, { tenant, eventId, eventType: 'job.queued', body: '{"a":1}', targets: webhookIds.map((webhookId) => ({ id: uuidv7(), webhookId })) });
  const openCount = async () => (await ds.query(`SELECT count(*)::int AS n FROM notify.deliveries WHERE status IN ('pending','failed')`))[0].n as number;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    ds = createNotifyDataSource({ url: dbUrl, applicationName: 'notify-repo-test', poolSize: 6 });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it('applies its migrations once when several replicas start together', async () => {
    const others = [0, 1].map(() => createNotifyDataSource({ url: dbUrl, applicationName: 'notify-repo-test-2', poolSize: 2 }));
    await Promise.all(others.map((o) => o.initialize()));
    const applied = await Promise.all([runNotifyMigrations(ds), ...others.map((o) => runNotifyMigrations(o))]);
    await Promise.all(others.map((o) => o.destroy()));
    expect(applied.flat()).toEqual(['NotifyInit1764000000000', 'NotifyIdempotency1764100000000']);
    expect(await runNotifyMigrations(ds)).toEqual([]);
  });

  it('creates one delivery per (webhook, event) however often the event is fanned out, and only for enabled webhooks of the tenant', async () => {
    const [a, b, off, foreign] = [await hook('t1'), await hook('t1'), await hook('t1', false), await hook('t2')];
    const eventId = uuidv7();
    expect(await enqueue('t1', eventId, [a.id, b.id, off.id, foreign.id])).toBe(2);
    expect(await enqueue('t1', eventId, [a.id, b.id])).toBe(0);
    const rows = await ds.query(`SELECT webhook_id FROM notify.deliveries WHERE event_id = $1 ORDER BY webhook_id`, [eventId]);
    expect(rows.map((r: { webhook_id: string }) => r.webhook_id)).toEqual([a.id, b.id].sort());
  });

  it('lets concurrent claimers take disjoint deliveries, and leases each claim', async () => {
    await ds.query(`DELETE FROM notify.deliveries`);
    const h = await hook('t3');
    for (let i = 0; i < 10; i++) await enqueue('t3', uuidv7(), [h.id]);
    const claims = await Promise.all([0, 1, 2].map(() => deliveries.claimDueDeliveries(ds, { limit: 4, leaseMs: 60_000 })));
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(10);
    for (const d of claims.flat()) expect(d).toMatchObject({ attempt: 1, roundAttempt: 1, tenant: 't3', secret: 'whsec_t3', body: '{"a":1}' });
    // Leased: nothing is due again before the lease ends.
    expect(await deliveries.claimDueDeliveries(ds, { limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('records an attempt only for the latest claim, so a superseded attempt changes nothing', async () => {
    await ds.query(`DELETE FROM notify.deliveries`);
    const h = await hook('t4');
    await enqueue('t4', uuidv7(), [h.id]);
    const [first] = await deliveries.claimDueDeliveries(ds, { limit: 1, leaseMs: 0 });
    const [second] = await deliveries.claimDueDeliveries(ds, { limit: 1, leaseMs: 60_000 });
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    expect(await deliveries.recordAttempt(ds, { deliveryId: first.id, attempt: 1, result: attempt(200), next: { status: 'succeeded' } })).toBe(false);
    expect(await deliveries.recordAttempt(ds, { deliveryId: second.id, attempt: 2, result: attempt(500), next: { status: 'failed', delayMs: 60_000 } })).toBe(true);
    const page = await deliveries.listDeliveries(ds, { tenant: 't4', webhookId: h.id, limit: 10 });
    expect(page.rows[0]).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(page.rows[0].attemptLog.map((a) => a.attempt)).toEqual([2]);
    expect(page.rows[0].nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('redelivers only dead or failed deliveries of the tenant, starting a new round', async () => {
    await ds.query(`DELETE FROM notify.deliveries`);
    const h = await hook('t5');
    await enqueue('t5', uuidv7(), [h.id]);
    const [d] = await deliveries.claimDueDeliveries(ds, { limit: 1, leaseMs: 60_000 });
    expect(await deliveries.redeliver(ds, { tenant: 't5', deliveryId: d.id })).toEqual({ kind: 'not_eligible', status: 'pending' });
    await deliveries.recordAttempt(ds, { deliveryId: d.id, attempt: 1, result: attempt(500), next: { status: 'dead' } });
    expect(await openCount()).toBe(0);
    expect(await deliveries.redeliver(ds, { tenant: 'other', deliveryId: d.id })).toEqual({ kind: 'not_found' });
    const again = await deliveries.redeliver(ds, { tenant: 't5', deliveryId: d.id });
    expect(again).toMatchObject({ kind: 'redelivered', delivery: { status: 'pending', attempts: 1, attemptLog: [expect.objectContaining({ attempt: 1 })] } });
    const [next] = await deliveries.claimDueDeliveries(ds, { limit: 1, leaseMs: 60_000 });
    expect(next).toMatchObject({ id: d.id, attempt: 2, roundAttempt: 1 });
  });

  it('keeps webhooks per tenant: get, list, update and delete never reach another tenant’s', async () => {
    const mine = await hook('t6');
    expect(await webhooks.getWebhook(ds, { tenant: 't7', id: mine.id })).toBeNull();
    expect(await webhooks.updateWebhook(ds, { tenant: 't7', id: mine.id, changes: { enabled: false } })).toBeNull();
    expect(await webhooks.deleteWebhook(ds, { tenant: 't7', id: mine.id })).toBeNull();
    expect((await webhooks.listWebhooks(ds, { tenant: 't7', limit: 10 })).rows).toEqual([]);
    const updated = await ds.transaction((tx) => webhooks.updateWebhook(tx, { tenant: 't6', id: mine.id, changes: { projects: ['p1'], secret: 'whsec_new' } }));
    expect(updated).toMatchObject({ before: { projects: null }, after: { projects: ['p1'], enabled: true } });
    expect(updated!.after).not.toHaveProperty('secret');
    expect((await ds.query(`SELECT secret FROM notify.webhooks WHERE id = $1`, [mine.id]))[0].secret).toBe('whsec_new');
    expect(await webhooks.enabledWebhookFilters(ds, { tenant: 't6' })).toEqual([{ id: mine.id, projects: ['p1'], eventTypes: [] }]);
    expect((await webhooks.deleteWebhook(ds, { tenant: 't6', id: mine.id }))?.id).toBe(mine.id);
  });
});
