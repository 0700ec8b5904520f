import { Controller, Inject, Injectable } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Envelope, ID_TOKEN_PATTERN, OrchError } from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { DeliveryRepository, NOTIFY_DATA_SOURCE, WebhookRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EventNotifierConfig } from '../config';
import { NOTIFIER_SCHEMA_VERSION } from '../notifier/notifier-event.builder';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { matchingWebhookIds, TenantWebhookCache, WebhookFilter } from './webhook-filter';

/** Name of the consumer binding (JetStreamServer options) that feeds {@link WebhookFanoutController}. */
export const WEBHOOK_FANOUT_CONSUMER = 'webhooks';
/** Durable consumer on the NOTIFY stream, shared by every replica. */
export const WEBHOOKS_DURABLE = 'webhooks';
/** Notifier events fanned out concurrently per process. */
export const WEBHOOK_FANOUT_MAX_IN_FLIGHT = 64;
/** Tenants whose webhook lists one process keeps cached. */
export const WEBHOOK_CACHE_MAX_TENANTS = 10_000;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.]{0,63}$/;

/** The parts of a notifier event the fan-out uses, and the body every attempt sends. */
export interface NotifierEventRef {
  eventId: string;
  eventType: string;
  tenantId: string;
  projectId: string;
  /** The `orch.event.v1` object as JSON, exactly as SSE sends it. */
  body: string;
}

function invalid(detail: string): OrchError {
  return new OrchError('validation', `notifier event: ${detail}`, { retryable: false });
}

/**
 * Checks what the fan-out relies on in a NOTIFY-stream envelope.
 * @throws OrchError `validation_failed` (not retryable: the message is terminated).
 */
export function parseNotifierEnvelope(env: Envelope<unknown>): NotifierEventRef {
  if (env.type !== NOTIFIER_SCHEMA_VERSION) throw invalid(`envelope type ${JSON.stringify(env.type)} is not ${NOTIFIER_SCHEMA_VERSION}`);
  const data = env.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw invalid('data is not an object');
  const { eventId, eventType, tenantId, projectId } = data;
  if (typeof eventId !== 'string' || !UUID_PATTERN.test(eventId)) throw invalid('eventId is not a UUID');
  if (typeof eventType !== 'string' || !EVENT_TYPE_PATTERN.test(eventType)) throw invalid('eventType is missing or malformed');
  if (tenantId !== env.tenant) throw invalid(`tenantId ${JSON.stringify(tenantId)} differs from envelope tenant ${env.tenant}`);
  if (typeof projectId !== 'string' || !ID_TOKEN_PATTERN.test(projectId)) throw invalid('projectId is missing or malformed');
  return { eventId: eventId.toLowerCase(), eventType, tenantId: env.tenant, projectId, body: JSON.stringify(data) };
}

/** Enabled webhooks per tenant, cached; every webhook change on this replica invalidates its tenant. */
@Injectable()
export class WebhookMatcher {
  private readonly cache: TenantWebhookCache;

  constructor(@Inject(NOTIFY_DATA_SOURCE) ds: DataSource, config: EventNotifierConfig) {
    const repo = new WebhookRepository();
    this.cache = new TenantWebhookCache((tenant) => repo.enabledWebhookFilters(ds, { tenant }), {
      ttlMs: config.WEBHOOK_CACHE_TTL_MS,
      maxTenants: WEBHOOK_CACHE_MAX_TENANTS,
    });
  }

  forTenant(tenant: string): Promise<WebhookFilter[]> {
    return this.cache.get(tenant);
  }

  invalidate(tenant: string): void {
    this.cache.invalidate(tenant);
  }
}

/** Turns each notifier event into one pending delivery per matching webhook. */
@Injectable()
export class WebhookFanoutService {
  private readonly deliveries = new DeliveryRepository();

  constructor(
    @Inject(NOTIFY_DATA_SOURCE) private readonly ds: DataSource,
    private readonly matcher: WebhookMatcher,
    private readonly delivery: WebhookDeliveryService,
  ) {}

  /**
   * Creates the event's deliveries in one statement, idempotent on (webhook,
   * event); resolves once they are stored, so the caller may ack. Returns how
   * many were created (0 for a redelivered message).
   *
   * @throws OrchError `validation_failed` (not retryable) for a malformed event,
   *   `unavailable` (retryable) when PostgreSQL fails.
   */
  async fanOut(env: Envelope<unknown>): Promise<number> {
    const ev = parseNotifierEnvelope(env);
    let created: number;
    try {
      const ids = matchingWebhookIds(await this.matcher.forTenant(ev.tenantId), ev);
      if (ids.length === 0) return 0;
      created = await this.deliveries.enqueueDeliveries(this.ds, {
        tenant: ev.tenantId,
        eventId: ev.eventId,
        eventType: ev.eventType,
        body: ev.body,
        targets: ids.map((webhookId) => ({ id: uuidv7(), webhookId })),
      });
    } catch (cause) {
      throw new OrchError('unavailable', `storing the webhook deliveries of event ${ev.eventId} failed`, { cause, retryable: true });
    }
    if (created > 0) this.delivery.wake();
    return created;
  }
}

/** Consumes every notifier event (`orch.notify.>`, durable `webhooks`) and fans it out to webhooks. */
@Controller()
export class WebhookFanoutController {
  constructor(private readonly fanout: WebhookFanoutService) {}

  /** Returning acks (after the deliveries are stored); a malformed event is terminated, a database failure redelivered. */
  @EventPattern(Route.consumer(WEBHOOK_FANOUT_CONSUMER))
  async onNotifierEvent(@Payload() m: Incoming<unknown>): Promise<void> {
    await this.fanout.fanOut(m.envelope);
  }
}
