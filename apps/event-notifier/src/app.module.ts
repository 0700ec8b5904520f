import { Module } from '@nestjs/common';
import { AuthModule, authOptionsFromConfig } from '@orch/auth';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions, streamSettingsFromConfig } from '@orch/messaging';
import { LedgerDataModule, NOTIFY_DATA_SOURCE, NotifyDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule, OpenApiModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { EventNotifierConfig } from './config';
import { StreamCorsModule } from './http/stream-cors.module';
import { NotifierController } from './notifier/notifier.controller';
import { NotifierService } from './notifier/notifier.service';
import { StreamsModule } from './streams/streams.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The event-notifier: relays ledger events as `orch.event.v1` notifier events
 * (NOTIFY stream), serves them as SSE, and delivers them to webhooks (owner of
 * the `notify` schema in PostgreSQL).
 */
export function eventNotifierModule(config: EventNotifierConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'event-notifier', level: config.LOG_LEVEL }),
      // The SSE route needs a bearer token; NATS handlers are not affected by the guard.
      AuthModule.forRoot(authOptionsFromConfig(config)),
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'event-notifier'),
        names: orchNames(config.ORCH_NAMESPACE),
        streamSettings: streamSettingsFromConfig(config),
      }),
      // Owner of the notify schema (webhooks): runs its migrations at boot.
      NotifyDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-event-notifier',
        poolSize: config.NOTIFY_DB_POOL_SIZE,
        migrate: true,
      }),
      // Read-only view of the ledger (log streams look their job up); separate from the notify DataSource it owns.
      LedgerDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-event-notifier',
        poolSize: config.NOTIFIER_LEDGER_DB_POOL_SIZE,
        readOnly: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, NOTIFY_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
      WebhooksModule.forRoot(config),
      StreamsModule.forRoot(config),
      StreamCorsModule.forRoot(config.CORS_ORIGINS),
      // `GET /.well-known/openapi`; the document is built by setupOpenApi in start-event-notifier.ts.
      OpenApiModule,
    ],
    controllers: [NotifierController],
    providers: [{ provide: EventNotifierConfig, useValue: config }, NotifierService],
  })
  class EventNotifierModule {}
  return EventNotifierModule;
}
