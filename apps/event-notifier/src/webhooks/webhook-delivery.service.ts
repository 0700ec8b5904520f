import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClaimedDelivery, DeliveryNext, DeliveryRepository, NOTIFY_DATA_SOURCE } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { EventNotifierConfig } from '../config';
import { WebhookDeliveryLoop } from './delivery.loop';
import { WEBHOOK_BACKOFF_JITTER } from './delivery-schedule';
import { AttemptOutcome, sendWebhookAttempt } from './webhook-sender';

/**
 * Owns the {@link WebhookDeliveryLoop} of this process: started once the app
 * is up, stopped (in-flight attempts finish, bounded) before connections close.
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WebhookDeliveryLoop;

  constructor(@Inject(NOTIFY_DATA_SOURCE) ds: DataSource, config: EventNotifierConfig) {
    const repo = new DeliveryRepository();
    this.loop = new WebhookDeliveryLoop(
      {
        claim: (limit, leaseMs) => repo.claimDueDeliveries(ds, { limit, leaseMs }),
        record: (d: ClaimedDelivery, outcome: AttemptOutcome, next: DeliveryNext) =>
          repo.recordAttempt(ds, { deliveryId: d.id, attempt: d.attempt, result: outcome, next }),
        abandon: (d, error) => repo.abandonDelivery(ds, { deliveryId: d.id, attempt: d.attempt, error }),
      },
      sendWebhookAttempt,
      {
        concurrency: config.WEBHOOK_CONCURRENCY,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        pollMs: config.WEBHOOK_POLL_MS,
        policy: {
          maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
          backoff: { baseMs: config.WEBHOOK_BACKOFF_BASE_MS, maxMs: config.WEBHOOK_BACKOFF_MAX_MS, jitter: WEBHOOK_BACKOFF_JITTER },
        },
      },
      new Logger('WebhookDelivery'),
    );
  }

  /** New deliveries are due: claim them now. */
  wake(): void {
    this.loop.wake();
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}
