import { Injectable } from '@nestjs/common';
import {
  CreateWebhookCommand,
  CreateWebhookRequest,
  CreateWebhookResult,
  DeleteWebhookResult,
  DeliveryView,
  OperatorContext,
  OrchError,
  RedeliverResult,
  UpdateWebhookRequest,
  WebhookVerb,
  WebhookView,
  WebhookWithSecret,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { currentContext } from '@orch/telemetry';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { isJobId as isUuid } from '../jobs/job-id';
import { DeliveryListParams, renameCursorProblem, WebhookPageParams } from './webhooks.params';

/** Idempotency scope of `POST /api/v1/webhooks`. */
export const CREATE_WEBHOOK_SCOPE = 'POST /api/v1/webhooks';
/** Idempotency scope of a redelivery (the delivery id is in the digest). */
export const REDELIVER_SCOPE = 'POST /api/v1/webhooks/deliveries/{deliveryId}/redeliver';

/** A page of webhooks or deliveries, paged like every list of the api. */
export interface ApiPage<T> {
  items: T[];
  next_page_token: string | null;
}

/** Whether a reply came from an idempotency record, and the reply without that marker. */
export interface Replayable<T> {
  replayed: boolean;
  value: T;
}

function unmark<T extends { replayed?: true }>(reply: T): Replayable<Omit<T, 'replayed'>> {
  const { replayed, ...value } = reply;
  return { replayed: replayed === true, value };
}

const notFound = (what: string) => new OrchError('notFound', `${what} (invalid id) not found`);

/**
 * Webhook management for the control plane: each call is one `webhook.*`
 * command to the event-notifier (which owns webhooks, deliveries and their
 * idempotency keys) on behalf of the caller's tenant; another tenant's webhook
 * or delivery is `not_found` there, and a malformed id is 404 here.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Registers an endpoint; the reply has its signing secret. The digest covers
   * the body, the reason and the ticket: the same key with any other is a 409.
   */
  async create(tenant: string, body: CreateWebhookRequest, operator: OperatorContext, key: string): Promise<Replayable<WebhookWithSecret>> {
    const data: CreateWebhookCommand = {
      ...body,
      operator,
      idempotency: { key, scope: CREATE_WEBHOOK_SCOPE, requestDigest: digestOf({ request: body, reason: operator.reason, ticket: operator.ticket ?? null }) },
    };
    return unmark(await this.send<CreateWebhookResult>(tenant, 'webhook.create', data));
  }

  async list(tenant: string, page: WebhookPageParams): Promise<ApiPage<WebhookView>> {
    const r = await this.send<{ items: WebhookView[]; nextCursor: string | null }>(tenant, 'webhook.list', { pageSize: page.pageSize, ...(page.cursor ? { cursor: page.cursor } : {}) });
    return { items: r.items, next_page_token: r.nextCursor };
  }

  async get(tenant: string, webhookId: string): Promise<WebhookView> {
    if (!isUuid(webhookId)) throw notFound('webhook');
    return this.send<WebhookView>(tenant, 'webhook.get', { webhookId: webhookId.toLowerCase() });
  }

  /** @returns the webhook, with `secret` when `rotateSecret` was asked for. */
  async update(tenant: string, webhookId: string, body: UpdateWebhookRequest, operator: OperatorContext): Promise<WebhookView & { secret?: string }> {
    if (!isUuid(webhookId)) throw notFound('webhook');
    return this.send(tenant, 'webhook.update', { ...body, webhookId: webhookId.toLowerCase(), operator });
  }

  async remove(tenant: string, webhookId: string, operator: OperatorContext): Promise<DeleteWebhookResult> {
    if (!isUuid(webhookId)) throw notFound('webhook');
    return this.send(tenant, 'webhook.delete', { webhookId: webhookId.toLowerCase(), operator });
  }

  async deliveries(tenant: string, webhookId: string, params: DeliveryListParams): Promise<ApiPage<DeliveryView>> {
    if (!isUuid(webhookId)) throw notFound('webhook');
    const r = await this.send<{ items: DeliveryView[]; nextCursor: string | null }>(tenant, 'webhook.deliveries', {
      webhookId: webhookId.toLowerCase(),
      pageSize: params.pageSize,
      ...(params.status ? { status: params.status } : {}),
      ...(params.cursor ? { cursor: params.cursor } : {}),
    });
    return { items: r.items, next_page_token: r.nextCursor };
  }

  /** Puts a dead or failed delivery back in line; the digest covers the delivery, the reason and the ticket. */
  async redeliver(tenant: string, deliveryId: string, operator: OperatorContext, key: string): Promise<Replayable<DeliveryView>> {
    if (!isUuid(deliveryId)) throw notFound('delivery');
    const id = deliveryId.toLowerCase();
    const requestDigest = digestOf({ deliveryId: id, reason: operator.reason, ticket: operator.ticket ?? null });
    return unmark(await this.send<RedeliverResult>(tenant, 'webhook.redeliver', { deliveryId: id, operator, idempotency: { key, scope: REDELIVER_SCOPE, requestDigest } }));
  }

  private async send<T>(tenant: string, verb: WebhookVerb, data: object): Promise<T> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<T>(
        'event-notifier',
        verb,
        // Webhooks span projects: the envelope names none.
        { type: verb, tenant, project: '*', correlationId: currentContext().correlationId ?? uuidv7(), data },
        { timeoutMs },
      );
    } catch (err) {
      throw renameCursorProblem(commandFailure(err, 'event-notifier', timeoutMs, 'retry; a POST with the same Idempotency-Key is safe to repeat'));
    }
  }
}
