import { AppendAuditCommand, decodeEnvelope, Envelope, WebhookPage, WebhookView, WebhookWithSecret } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TestAuth, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import type { Subscription } from '@nats-io/transport-node';
import { Client } from 'pg';
import { refusal, TEST_OPERATOR, WebhookCommands } from './webhook-test-support';

describe('webhook management commands (real NATS + PostgreSQL, real event-notifier process)', () => {
  let db: TestDatabase;
  let auth: TestAuth;
  let ns: TestNamespace;
  let pg: Client;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let commands: WebhookCommands;
  let auditTap: Subscription;
  const audits: Envelope<AppendAuditCommand>[] = [];

  const webhookCount = async (tenant: string) =>
    (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.webhooks WHERE tenant = $1`, [tenant])).rows[0].n;
  const storedSecret = async (id: string) => (await pg.query<{ secret: string }>(`SELECT secret FROM notify.webhooks WHERE id = $1`, [id])).rows[0]?.secret;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    // The event-notifier refuses to start without a JWKS (its SSE route verifies tokens).
    auth = await TestAuth.create();
    // Watches the audit commands on their way to the ledger-writer (a plain subscriber receives a copy of each).
    auditTap = ns.nc.subscribe(ns.names.cmd('ledger-writer', 'audit'), {
      callback: (_err, msg) => {
        audits.push(decodeEnvelope(msg.data) as Envelope<AppendAuditCommand>);
      },
    });
    const env = { DATABASE_URL: db.url, NATS_URL: 'nats://127.0.0.1:4222', ORCH_NAMESPACE: ns.names.namespace, ...auth.env };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    commands = new WebhookCommands(new OrchClient(ns.nc, ns.names));
  });

  afterAll(async () => {
    auditTap?.unsubscribe();
    await notifier?.stop();
    await ledgerWriter?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it.each([
    ['an ftp:// URL', 'ftp://hooks.example.com/in', /url must be an http or https URL/],
    ['credentials in the URL', 'https://bob:hunter2@hooks.example.com/in', /url must not contain credentials/],
    ['a URL longer than 2048 characters', `https://hooks.example.com/${'a'.repeat(2_048)}`, /url must be at most 2048 characters/],
    ['a relative URL', '/in', /url must be an absolute http or https URL/],
  ])('refuses %s with validation_failed and stores nothing', async (_what, url, detail) => {
    const err = await refusal(commands.create('bad', { url }));
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(err.message).toMatch(detail);
    expect(err.message).not.toContain('hunter2');
    expect(await webhookCount('bad')).toBe(0);
    expect(await commands.send<WebhookPage>('bad', 'webhook.list', {})).toEqual({ items: [], nextCursor: null });
  });

  it('refuses unknown event types and a missing operator', async () => {
    expect(await refusal(commands.create('bad', { url: 'https://hooks.example.com/in', eventTypes: ['job.exploded'] }))).toMatchObject({
      code: 'validation_failed',
      errors: [expect.objectContaining({ path: 'eventTypes' })],
    });
    expect(await refusal(commands.send('bad', 'webhook.create', { url: 'https://hooks.example.com/in' }))).toMatchObject({
      code: 'validation_failed',
      errors: [expect.objectContaining({ path: 'operator' })],
    });
    expect(await webhookCount('bad')).toBe(0);
  });

  it('returns the secret once at creation; get and list never show it', async () => {
    const created = await commands.create('acme', { url: 'https://hooks.example.com/a', projects: ['p1'], eventTypes: ['job.failed'], description: 'alerts' });
    expect(created).toMatchObject({
      tenant: 'acme',
      url: 'https://hooks.example.com/a',
      projects: ['p1'],
      eventTypes: ['job.failed'],
      description: 'alerts',
      enabled: true,
      createdBy: TEST_OPERATOR.subject,
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(await storedSecret(created.id)).toBe(created.secret);
    const got = await commands.get('acme', created.id);
    expect(got).not.toHaveProperty('secret');
    const { secret: _secret, ...view } = created;
    expect(got).toEqual(view);
    const list = await commands.send<WebhookPage>('acme', 'webhook.list', {});
    expect(list.items.map((w) => w.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.secret);
  });

  it('pages the tenant’s webhooks newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await commands.create('pager', { url: `https://hooks.example.com/${i}` })).id);
    const first = await commands.send<WebhookPage>('pager', 'webhook.list', { pageSize: 2 });
    expect(first.items.map((w) => w.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await commands.send<WebhookPage>('pager', 'webhook.list', { pageSize: 2, cursor: first.nextCursor });
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect(await refusal(commands.send('pager', 'webhook.list', { cursor: 'bm90LWEtdXVpZA' }))).toMatchObject({ code: 'validation_failed' });
  });

  it('updates url, filters and enabled, refuses a bad URL or an empty update without changing anything, and rotates the secret', async () => {
    const hook = await commands.create('acme', { url: 'https://hooks.example.com/u' });
    const updated = await commands.send<WebhookView>('acme', 'webhook.update', {
      webhookId: hook.id,
      url: 'https://hooks.example.com/v',
      projects: ['p2'],
      eventTypes: ['job.succeeded'],
      enabled: false,
      operator: TEST_OPERATOR,
    });
    expect(updated).toMatchObject({ url: 'https://hooks.example.com/v', projects: ['p2'], eventTypes: ['job.succeeded'], enabled: false });
    expect(updated).not.toHaveProperty('secret');
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(hook.updatedAt));

    for (const bad of [{ url: 'ftp://hooks.example.com/x' }, { url: 'https://u:p@hooks.example.com/x' }, { projects: [] }, {}]) {
      expect(await refusal(commands.send('acme', 'webhook.update', { webhookId: hook.id, ...bad, operator: TEST_OPERATOR }))).toMatchObject({
        code: 'validation_failed',
      });
    }
    expect(await commands.get('acme', hook.id)).toEqual(updated);

    const cleared = await commands.send<WebhookView>('acme', 'webhook.update', { webhookId: hook.id, projects: null, eventTypes: [], operator: TEST_OPERATOR });
    expect(cleared).toMatchObject({ projects: null, eventTypes: [] });

    const rotated = await commands.send<WebhookWithSecret>('acme', 'webhook.update', { webhookId: hook.id, rotateSecret: true, operator: TEST_OPERATOR });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(await storedSecret(hook.id)).toBe(rotated.secret);
    expect(await commands.get('acme', hook.id)).not.toHaveProperty('secret');
  });

  it("answers not_found for another tenant's webhook, and changes nothing", async () => {
    const hook = await commands.create('acme', { url: 'https://hooks.example.com/mine' });
    const asGlobex = [
      commands.get('globex', hook.id),
      commands.send('globex', 'webhook.update', { webhookId: hook.id, enabled: false, operator: TEST_OPERATOR }),
      commands.send('globex', 'webhook.update', { webhookId: hook.id, rotateSecret: true, operator: TEST_OPERATOR }),
      commands.send('globex', 'webhook.delete', { webhookId: hook.id, operator: TEST_OPERATOR }),
      commands.deliveries('globex', hook.id),
    ];
    for (const attempt of asGlobex) expect(await refusal(attempt)).toMatchObject({ code: 'not_found', status: 404 });
    expect((await commands.send<WebhookPage>('globex', 'webhook.list', {})).items).toEqual([]);
    const { secret, ...view } = hook;
    expect(await commands.get('acme', hook.id)).toEqual(view);
    expect(await storedSecret(hook.id)).toBe(secret);
  });

  it('deletes a webhook; afterwards it is not found', async () => {
    const hook = await commands.create('acme', { url: 'https://hooks.example.com/gone' });
    expect(await commands.send('acme', 'webhook.delete', { webhookId: hook.id, operator: TEST_OPERATOR })).toEqual({ webhookId: hook.id, deleted: true });
    expect(await refusal(commands.get('acme', hook.id))).toMatchObject({ code: 'not_found' });
    expect(await refusal(commands.send('acme', 'webhook.delete', { webhookId: hook.id, operator: TEST_OPERATOR }))).toMatchObject({ code: 'not_found' });
    expect(await refusal(commands.send('acme', 'webhook.redeliver', { deliveryId: hook.id, operator: TEST_OPERATOR }))).toMatchObject({ code: 'not_found' });
  });

  it('audits every change once in the ledger, with the operator and without the secret', async () => {
    const hook = await commands.create('audited', { url: 'https://hooks.example.com/audit' });
    const rotated = await commands.send<WebhookWithSecret>('audited', 'webhook.update', { webhookId: hook.id, rotateSecret: true, operator: TEST_OPERATOR });
    await commands.send('audited', 'webhook.delete', { webhookId: hook.id, operator: TEST_OPERATOR });
    const mine = () => audits.filter((a) => a.tenant === 'audited' && a.data.targetId === hook.id);
    await waitFor(() => new Set(mine().map((a) => a.data.action)).size === 3, { what: 'audit commands for create, update and delete' });
    const byAction = new Map(mine().map((a) => [a.data.action, a.data]));
    expect(byAction.get('webhook.create')).toMatchObject({ targetType: 'webhook', after: { url: 'https://hooks.example.com/audit', enabled: true }, operator: TEST_OPERATOR });
    expect(byAction.get('webhook.update')).toMatchObject({ after: { secretRotated: true }, before: { url: 'https://hooks.example.com/audit' } });
    expect(byAction.get('webhook.delete')).toMatchObject({ before: { url: 'https://hooks.example.com/audit' } });
    for (const a of mine()) {
      expect(a.data.idempotency).toMatchObject({ scope: 'event-notifier webhook audit', requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(JSON.stringify(a)).not.toContain(hook.secret);
      expect(JSON.stringify(a)).not.toContain(rotated.secret);
    }

    // The ledger-writer took each command once (a resend is deduplicated by its idempotency key) and the outbox drained.
    const entries = await waitFor(
      async () => {
        const rows = (
          await pg.query<{ action: string; actor: { subject: string }; reason: string; before: unknown; after: unknown }>(
            `SELECT action, actor, reason, before, after FROM ledger.audit_log WHERE tenant = 'audited' AND target_id = $1 ORDER BY seq`,
            [hook.id],
          )
        ).rows;
        return rows.length === 3 ? rows : undefined;
      },
      { what: 'three audit entries in the ledger' },
    );
    expect(entries.map((e) => e.action)).toEqual(['webhook.create', 'webhook.update', 'webhook.delete']);
    for (const e of entries) {
      expect(e).toMatchObject({ actor: { subject: TEST_OPERATOR.subject }, reason: TEST_OPERATOR.reason });
      expect(JSON.stringify(e)).not.toContain(hook.secret);
      expect(JSON.stringify(e)).not.toContain(rotated.secret);
    }
    await waitFor(async () => (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.audit_outbox`)).rows[0].n === 0, {
      what: 'the audit outbox to drain',
    });
  });
});
