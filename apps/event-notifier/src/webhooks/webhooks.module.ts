import { DynamicModule, Module } from '@nestjs/common';
import { EventNotifierConfig } from '../config';
import { WebhookAuditService } from './webhook-audit.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookFanoutController, WebhookFanoutService, WebhookMatcher } from './webhook-fanout';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks: fan-out of notifier events into deliveries (durable `webhooks` on
 * the NOTIFY stream, bound in main.ts), the delivery loop, the audit relay and
 * the `webhook.*` management commands. Needs the global NotifyDataModule and
 * MessagingModule of the root module.
 */
@Module({})
export class WebhooksModule {
  static forRoot(config: EventNotifierConfig): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhookFanoutController, WebhooksController],
      providers: [
        { provide: EventNotifierConfig, useValue: config },
        WebhookMatcher,
        WebhookFanoutService,
        WebhookDeliveryService,
        WebhookAuditService,
        WebhooksService,
      ],
    };
  }
}
