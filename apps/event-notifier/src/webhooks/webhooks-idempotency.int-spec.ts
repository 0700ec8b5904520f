import { CreateWebhookResult, IdempotencyRef, RedeliverResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TestAuth, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { Client } from 'pg';
import { refusal, TEST_OPERATOR, WebhookCommands } from './webhook-test-support';

const ref = (key: string, request: unknown, scope = 'POST /api/v1/webhooks'): IdempotencyRef => ({ key, scope, requestDigest: digestOf(request) });

describe('idempotency keys of webhook.create and webhook.redeliver (real event-notifier process, real PostgreSQL)', () => {
  let db: TestDatabase;
  let auth: TestAuth;
  let ns: TestNamespace;
  let pg: Client;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let commands: WebhookCommands;

  const webhooks = async (tenant: string) => (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.webhooks WHERE tenant = $1`, [tenant])).rows[0].n;
  const keys = async (tenant: string) => (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.idempotency_keys WHERE tenant = $1`, [tenant])).rows[0].n;
  const outbox = async (tenant: string) => (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.audit_outbox WHERE tenant = $1`, [tenant])).rows[0].n;
  const audited = async (action: string, targetId: string) =>
    (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE action = $1 AND target_id = $2`, [action, targetId])).rows[0].n;
  const create = (tenant: string, url: string, idempotency: IdempotencyRef) =>
    commands.send<CreateWebhookResult>(tenant, 'webhook.create', { url, operator: TEST_OPERATOR, idempotency });

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    const env = { DATABASE_URL: db.url, NATS_URL: 'nats://127.0.0.1:4222', ORCH_NAMESPACE: ns.names.namespace, ...auth.env };
    // The ledger-writer records the audit entries webhook changes queue.
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    commands = new WebhookCommands(new OrchClient(ns.nc, ns.names));
  });

  afterAll(async () => {
    await notifier?.stop();
    await ledgerWriter?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it('creates one webhook for concurrent creates with one key; every answer is that webhook with its secret', async () => {
    const url = 'https://hooks.example.com/race';
    const answers = await Promise.all(Array.from({ length: 5 }, () => create('race', url, ref('race-key', { url }))));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.secret)).size).toBe(1);
    expect(answers.filter((a) => a.replayed !== true)).toHaveLength(1);
    expect(await webhooks('race')).toBe(1);
    expect(await keys('race')).toBe(1);
  });

  it('answers a replay with the webhook as it is now and its current secret, and writes no audit entry', async () => {
    const url = 'https://hooks.example.com/replay';
    const first = await create('replay', url, ref('k1', { url }));
    await commands.send('replay', 'webhook.update', { webhookId: first.id, description: 'changed', operator: TEST_OPERATOR });
    const replay = await create('replay', url, ref('k1', { url }));
    expect(replay).toMatchObject({ id: first.id, secret: first.secret, description: 'changed', replayed: true });
    await waitFor(async () => (await outbox('replay')) === 0, { what: 'the audit outbox to drain' });
    expect(await audited('webhook.create', first.id)).toBe(1);
    const conflict = await refusal(create('replay', 'https://hooks.example.com/other', ref('k1', { url: 'https://hooks.example.com/other' })));
    expect(conflict).toMatchObject({ code: 'idempotency_conflict', status: 409 });
    expect(await webhooks('replay')).toBe(1);

    await commands.send('replay', 'webhook.delete', { webhookId: first.id, operator: TEST_OPERATOR });
    expect(await refusal(create('replay', url, ref('k1', { url })))).toMatchObject({ code: 'not_found' });
    expect(await webhooks('replay')).toBe(0);
  });

  it('keeps no key for a refused call, so the same key works once the request is valid', async () => {
    const missing = '01a20811-0000-7000-8000-000000000000';
    const redeliver = ref('r1', { deliveryId: missing }, 'POST /api/v1/webhooks/deliveries/{deliveryId}/redeliver');
    expect(await refusal(commands.send<RedeliverResult>('refused', 'webhook.redeliver', { deliveryId: missing, operator: TEST_OPERATOR, idempotency: redeliver }))).toMatchObject({
      code: 'not_found',
    });
    expect(await refusal(create('refused', 'ftp://bad.example.com', ref('c1', { url: 'ftp://bad.example.com' })))).toMatchObject({ code: 'validation_failed' });
    expect(await keys('refused')).toBe(0);
    const ok = await create('refused', 'https://hooks.example.com/ok', ref('c1', { url: 'https://hooks.example.com/ok' }));
    expect(ok.replayed).toBeUndefined();
  });
});
