import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions, streamSettingsFromConfig } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { ArtifactBuckets } from './artifacts/artifact-buckets.service';
import { CancelNoticesService } from './cancel/cancel-notices.service';
import { LeaseBrokerConfig } from './config';
import { DispatchFeeds } from './dispatch/dispatch-feeds';
import { ReaperService } from './reaper/reaper.service';
import { ClaimService } from './worker/claim.service';
import { WorkerController } from './worker/worker.controller';

/** The lease-broker: serves the worker protocol, reaps expired leases and relays cancel notices; reads the ledger read-only. */
export function leaseBrokerModule(config: LeaseBrokerConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'lease-broker', level: config.LOG_LEVEL }),
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'lease-broker'),
        names: orchNames(config.ORCH_NAMESPACE),
        streamSettings: streamSettingsFromConfig(config),
      }),
      LedgerDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-lease-broker',
        poolSize: config.DB_POOL_SIZE,
        readOnly: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, LEDGER_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
    ],
    controllers: [WorkerController],
    providers: [{ provide: LeaseBrokerConfig, useValue: config }, DispatchFeeds, ClaimService, ReaperService, CancelNoticesService, ArtifactBuckets],
  })
  class LeaseBrokerModule {}
  return LeaseBrokerModule;
}
