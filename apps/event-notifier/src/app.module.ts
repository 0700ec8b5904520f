import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck } from '@orch/messaging';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import { EventNotifierConfig } from './config';
import { NotifierController } from './notifier/notifier.controller';
import { NotifierService } from './notifier/notifier.service';
import { SseController } from './sse/sse.controller';
import { SseService } from './sse/sse.service';

/**
 * The event-notifier: relays ledger events as `orch.event.v1` notifier events
 * (NOTIFY stream) and serves them as SSE. Needs only NATS for now; the `notify`
 * schema (webhook subscriptions) comes later.
 */
export function eventNotifierModule(config: EventNotifierConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'event-notifier', level: config.LOG_LEVEL }),
      MessagingModule.forRoot({ connection: { url: config.NATS_URL, name: 'event-notifier' }, names: orchNames(config.ORCH_NAMESPACE) }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION],
        useFactory: (nc: NatsConnection) => [natsReadinessCheck(nc)],
      }),
    ],
    controllers: [NotifierController, SseController],
    providers: [{ provide: EventNotifierConfig, useValue: config }, NotifierService, SseService],
  })
  class EventNotifierModule {}
  return EventNotifierModule;
}
