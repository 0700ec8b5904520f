import { Inject, Injectable } from '@nestjs/common';
import {
  CreateWebhookCommand,
  CreateWebhookResult,
  DeleteWebhookCommand,
  DeleteWebhookResult,
  DeliveryPage,
  GetWebhookCommand,
  IdempotencyRef,
  ListDeliveriesCommand,
  ListWebhooksCommand,
  OrchError,
  RedeliverCommand,
  RedeliverResult,
  UpdateWebhookCommand,
  WebhookLimits,
  WebhookPage,
  WebhookView,
} from '@orch/contracts';
import { DeliveryRepository, NOTIFY_DATA_SOURCE, NotifyIdempotencyRepository, Queryable, WebhookChanges, WebhookRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { auditedWebhook, CallerRef, WebhookAuditService } from './webhook-audit.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookMatcher } from './webhook-fanout';
import { generateWebhookSecret } from './webhook-signature';
import { decodeCursor, encodeCursor, toDeliveryView, toWebhookView } from './webhook-views';

const notFound = (what: string, id: string) => new OrchError('notFound', `${what} ${id} not found`, { retryable: false });

/** What an idempotent command's transaction produced: a fresh result, or the id a replay answers from. */
type Idempotent<T> = { kind: 'fresh'; value: T } | { kind: 'replay'; id: string };

/**
 * Webhook management for the `webhook.*` commands. Every query is scoped to
 * the caller's tenant (another tenant's webhook or delivery is `not_found`);
 * every change is written with its audit entry in one transaction and
 * invalidates the tenant's fan-out cache. A secret is returned only by create
 * and by a rotating update.
 */
@Injectable()
export class WebhooksService {
  private readonly webhooks = new WebhookRepository();
  private readonly deliveries = new DeliveryRepository();
  private readonly idempotencyKeys = new NotifyIdempotencyRepository();

  constructor(
    @Inject(NOTIFY_DATA_SOURCE) private readonly ds: DataSource,
    private readonly matcher: WebhookMatcher,
    private readonly audit: WebhookAuditService,
    private readonly delivery: WebhookDeliveryService,
  ) {}

  /**
   * Creates the webhook and returns it with its secret. With an Idempotency-Key,
   * a replay answers the webhook as it is now with its current secret
   * (`replayed: true`) and changes nothing; `not_found` when it was deleted since.
   */
  async create(caller: CallerRef, cmd: CreateWebhookCommand): Promise<CreateWebhookResult> {
    const secret = generateWebhookSecret();
    const outcome = await this.store('creating the webhook', () =>
      this.ds.transaction((tx) =>
        this.idempotent(tx, caller, cmd.idempotency, 'webhookId', async () => {
          const created = await this.webhooks.insertWebhook(tx, {
            webhook: {
              id: uuidv7(),
              tenant: caller.tenant,
              projects: cmd.projects ?? null,
              eventTypes: cmd.eventTypes ?? [],
              url: cmd.url,
              secret,
              description: cmd.description ?? null,
              enabled: cmd.enabled ?? true,
              createdBy: cmd.operator.subject,
            },
          });
          await this.audit.record(tx, caller, {
            action: 'webhook.create',
            targetType: 'webhook',
            targetId: created.id,
            after: auditedWebhook(created),
            operator: cmd.operator,
          });
          return { id: created.id, value: created };
        }),
      ),
    );
    if (outcome.kind === 'replay') return this.replayedCreate(caller, outcome.id);
    this.changed(caller.tenant);
    return { ...toWebhookView(outcome.value), secret };
  }

  async list(caller: CallerRef, cmd: ListWebhooksCommand): Promise<WebhookPage> {
    const afterId = decodeCursor(cmd.cursor);
    const page = await this.store('listing webhooks', () =>
      this.webhooks.listWebhooks(this.ds, { tenant: caller.tenant, limit: cmd.pageSize ?? WebhookLimits.pageSizeDefault, afterId }),
    );
    return { items: page.rows.map(toWebhookView), nextCursor: encodeCursor(page.next) };
  }

  async get(caller: CallerRef, cmd: GetWebhookCommand): Promise<WebhookView> {
    const row = await this.store('reading the webhook', () => this.webhooks.getWebhook(this.ds, { tenant: caller.tenant, id: cmd.webhookId }));
    if (!row) throw notFound('webhook', cmd.webhookId);
    return toWebhookView(row);
  }

  /** @throws OrchError `validation_failed` when nothing would change, `not_found`. */
  async update(caller: CallerRef, cmd: UpdateWebhookCommand): Promise<WebhookView & { secret?: string }> {
    const changes: WebhookChanges = {};
    if (cmd.url !== undefined) changes.url = cmd.url;
    if (cmd.projects !== undefined) changes.projects = cmd.projects;
    if (cmd.eventTypes !== undefined) changes.eventTypes = cmd.eventTypes;
    if (cmd.description !== undefined) changes.description = cmd.description;
    if (cmd.enabled !== undefined) changes.enabled = cmd.enabled;
    const secret = cmd.rotateSecret ? generateWebhookSecret() : undefined;
    if (secret) changes.secret = secret;
    if (Object.keys(changes).length === 0) {
      throw new OrchError('validation', 'nothing to update: give url, projects, eventTypes, description, enabled or rotateSecret: true', { retryable: false });
    }
    const result = await this.store('updating the webhook', () =>
      this.ds.transaction(async (tx) => {
        const updated = await this.webhooks.updateWebhook(tx, { tenant: caller.tenant, id: cmd.webhookId, changes });
        if (!updated) return null;
        await this.audit.record(tx, caller, {
          action: 'webhook.update',
          targetType: 'webhook',
          targetId: cmd.webhookId,
          before: auditedWebhook(updated.before),
          after: { ...auditedWebhook(updated.after), ...(secret ? { secretRotated: true } : {}) },
          operator: cmd.operator,
        });
        return updated.after;
      }),
    );
    if (!result) throw notFound('webhook', cmd.webhookId);
    this.changed(caller.tenant);
    return { ...toWebhookView(result), ...(secret ? { secret } : {}) };
  }

  async remove(caller: CallerRef, cmd: DeleteWebhookCommand): Promise<DeleteWebhookResult> {
    const deleted = await this.store('deleting the webhook', () =>
      this.ds.transaction(async (tx) => {
        const row = await this.webhooks.deleteWebhook(tx, { tenant: caller.tenant, id: cmd.webhookId });
        if (!row) return null;
        await this.audit.record(tx, caller, {
          action: 'webhook.delete',
          targetType: 'webhook',
          targetId: row.id,
          before: auditedWebhook(row),
          operator: cmd.operator,
        });
        return row;
      }),
    );
    if (!deleted) throw notFound('webhook', cmd.webhookId);
    this.changed(caller.tenant);
    return { webhookId: deleted.id, deleted: true };
  }

  async listDeliveries(caller: CallerRef, cmd: ListDeliveriesCommand): Promise<DeliveryPage> {
    const afterId = decodeCursor(cmd.cursor);
    const page = await this.store('listing deliveries', async () => {
      if (!(await this.webhooks.getWebhook(this.ds, { tenant: caller.tenant, id: cmd.webhookId }))) return null;
      return this.deliveries.listDeliveries(this.ds, {
        tenant: caller.tenant,
        webhookId: cmd.webhookId,
        status: cmd.status,
        limit: cmd.pageSize ?? WebhookLimits.pageSizeDefault,
        afterId,
      });
    });
    if (!page) throw notFound('webhook', cmd.webhookId);
    return { items: page.rows.map(toDeliveryView), nextCursor: encodeCursor(page.next) };
  }

  /**
   * @throws OrchError `not_found`, `invalid_transition` unless the delivery is
   * dead or failed (a replay of the same Idempotency-Key answers the delivery as
   * it is now, whatever its status).
   */
  async redeliver(caller: CallerRef, cmd: RedeliverCommand): Promise<RedeliverResult> {
    const outcome = await this.store('redelivering', () =>
      this.ds.transaction((tx) =>
        this.idempotent(tx, caller, cmd.idempotency, 'deliveryId', async () => {
          const result = await this.deliveries.redeliver(tx, { tenant: caller.tenant, deliveryId: cmd.deliveryId });
          // Thrown inside the transaction so a refused call leaves no idempotency key behind.
          if (result.kind === 'not_found') throw notFound('delivery', cmd.deliveryId);
          if (result.kind === 'not_eligible') {
            throw new OrchError('invalidTransition', `delivery ${cmd.deliveryId} is ${result.status}; only dead or failed deliveries can be redelivered`, {
              retryable: false,
            });
          }
          const d = result.delivery;
          await this.audit.record(tx, caller, {
            action: 'webhook.redeliver',
            targetType: 'webhook_delivery',
            targetId: d.id,
            after: { webhookId: d.webhookId, eventId: d.eventId, eventType: d.eventType, status: d.status, attempts: d.attempts },
            operator: cmd.operator,
          });
          return { id: d.id, value: d };
        }),
      ),
    );
    if (outcome.kind === 'replay') {
      const current = await this.store('reading the delivery', () => this.deliveries.getDelivery(this.ds, { tenant: caller.tenant, id: outcome.id }));
      if (!current) throw notFound('delivery', outcome.id);
      return { ...toDeliveryView(current), replayed: true };
    }
    this.audit.flush();
    this.delivery.wake();
    return toDeliveryView(outcome.value);
  }

  /**
   * Runs `apply` once per Idempotency-Key, inside the caller's transaction `tx`:
   * a new key is claimed and, with `apply`'s result id stored under `field`,
   * committed with the change; a known key with the same digest skips `apply`
   * (a replay of the stored id); another digest is `idempotency_conflict`.
   */
  private async idempotent<T>(
    tx: Queryable,
    caller: CallerRef,
    ref: IdempotencyRef | undefined,
    field: string,
    apply: () => Promise<{ id: string; value: T }>,
  ): Promise<Idempotent<T>> {
    if (!ref) return { kind: 'fresh', value: (await apply()).value };
    const key = { tenant: caller.tenant, scope: ref.scope, key: ref.key };
    const claim = await this.idempotencyKeys.claimKey(tx, { ...key, requestDigest: ref.requestDigest });
    if (!claim.claimed) {
      if (claim.requestDigest !== ref.requestDigest) {
        throw new OrchError('idempotencyConflict', `Idempotency-Key "${ref.key}" was used with a different request`, { retryable: false });
      }
      const id = claim.result?.[field];
      if (typeof id !== 'string') throw new OrchError('internal', `idempotency record ${ref.scope} ${ref.key} holds no ${field}`);
      return { kind: 'replay', id };
    }
    const { id, value } = await apply();
    await this.idempotencyKeys.recordResult(tx, key, { [field]: id });
    return { kind: 'fresh', value };
  }

  private async replayedCreate(caller: CallerRef, id: string): Promise<CreateWebhookResult> {
    const found = await this.store('reading the webhook', async () => {
      const row = await this.webhooks.getWebhook(this.ds, { tenant: caller.tenant, id });
      const secret = row ? await this.webhooks.getWebhookSecret(this.ds, { tenant: caller.tenant, id }) : null;
      return row && secret ? { row, secret } : null;
    });
    if (!found) throw new OrchError('notFound', `webhook ${id}, created with this Idempotency-Key, has since been deleted`, { retryable: false });
    return { ...toWebhookView(found.row), secret: found.secret, replayed: true };
  }

  private changed(tenant: string): void {
    this.matcher.invalidate(tenant);
    this.audit.flush();
  }

  /** Runs a store operation; a database failure becomes a retryable `unavailable`. */
  private async store<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof OrchError) throw cause;
      throw new OrchError('unavailable', `${what} failed: the webhook store is unavailable`, { cause, retryable: true });
    }
  }
}
