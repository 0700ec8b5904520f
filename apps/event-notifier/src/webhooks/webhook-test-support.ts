/**
 * Helpers for the webhook integration tests: a local HTTP receiver on
 * 127.0.0.1 that records every request, and the `webhook.*` commands as the
 * api will send them.
 */
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DeliveryPage, OperatorContext, OrchError, OrchNames, WebhookVerb, WebhookView, WebhookWithSecret } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { waitFor } from '@orch/testing';
import type { Client } from 'pg';
import { WEBHOOKS_DURABLE } from './webhook-fanout';

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Local clock, ms. */
  receivedAt: number;
}

/** How a path answers its `nth` request (0-based). */
export type Responder = (nth: number) => { status: number; body?: string };

/** A webhook endpoint: records requests per path, answers 200 unless told otherwise. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly responders = new Map<string, Responder>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static start(): Promise<WebhookReceiver> {
    return new Promise((resolve, reject) => {
      let receiver: WebhookReceiver | undefined;
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const path = req.url ?? '/';
          const nth = receiver!.requests.filter((r) => r.path === path).length;
          receiver!.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
          const answer = receiver!.responders.get(path)?.(nth) ?? { status: 200, body: 'ok' };
          res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
        });
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        resolve(receiver);
      });
    });
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  respond(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  at(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async waitFor(path: string, n: number, timeoutMs = 20_000): Promise<ReceivedRequest[]> {
    return waitFor(() => (this.at(path).length >= n ? this.at(path) : undefined), { timeoutMs, what: `${n} requests on ${path} (have ${this.at(path).length})` });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** The operator every test command acts as. */
export const TEST_OPERATOR: OperatorContext = { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'integration test' };

/** Sends `webhook.*` commands as a tenant, the way the api does. */
export class WebhookCommands {
  private seq = 0;

  constructor(readonly client: OrchClient) {}

  send<T>(tenant: string, verb: WebhookVerb, data: Record<string, unknown>): Promise<T> {
    return this.client.command<T>('event-notifier', verb, { type: verb, tenant, project: '*', correlationId: `webhook-test-${this.seq++}`, data });
  }

  create(tenant: string, data: Record<string, unknown>): Promise<WebhookWithSecret> {
    return this.send<WebhookWithSecret>(tenant, 'webhook.create', { operator: TEST_OPERATOR, ...data });
  }

  get(tenant: string, webhookId: string): Promise<WebhookView> {
    return this.send<WebhookView>(tenant, 'webhook.get', { webhookId });
  }

  deliveries(tenant: string, webhookId: string, extra: Record<string, unknown> = {}): Promise<DeliveryPage> {
    return this.send<DeliveryPage>(tenant, 'webhook.deliveries', { webhookId, pageSize: 500, ...extra });
  }
}

/** The OrchError a command fails with. */
export async function refusal(p: Promise<unknown>): Promise<OrchError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OrchError) return err;
    throw err;
  }
  throw new Error('expected the command to be refused');
}

/** Delivery rows of the notify schema. */
export interface DeliveryDbRow {
  id: string;
  webhook_id: string;
  event_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
}

export async function deliveryRows(pg: Client, webhookId?: string): Promise<DeliveryDbRow[]> {
  const sql = `SELECT id, webhook_id, event_id, status, attempts, last_status_code FROM notify.deliveries ${webhookId ? 'WHERE webhook_id = $1' : ''} ORDER BY id`;
  return (await pg.query<DeliveryDbRow>(sql, webhookId ? [webhookId] : [])).rows;
}

/** Waits until the `webhooks` durable acknowledged the whole NOTIFY stream and no delivery is still open. */
export async function waitForWebhooksSettled(nc: NatsConnection, names: OrchNames, pg: Client): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await waitFor(
    async () => {
      const [s, c] = await Promise.all([jsm.streams.info(names.streams.notify), jsm.consumers.info(names.streams.notify, WEBHOOKS_DURABLE)]);
      if (!(c.ack_floor.stream_seq >= s.state.last_seq && c.num_pending === 0 && c.num_ack_pending === 0)) return false;
      const open = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM notify.deliveries WHERE status IN ('pending','failed')`);
      return open.rows[0].n === 0;
    },
    { timeoutMs: 30_000, what: 'the webhooks durable to catch up and every delivery to settle' },
  );
}
