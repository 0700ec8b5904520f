import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { ApiConfig } from './config';
import { JobsModule } from './jobs/jobs.module';

/**
 * The api (control plane): REST in front of the ledger. It owns nothing durable:
 * changes go to ledger-writer as NATS commands, reads use a read-only pool
 * (never migrates; ledger-writer owns the schema).
 */
export function apiModule(config: ApiConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'api', level: config.LOG_LEVEL }),
      MessagingModule.forRoot({ connection: { url: config.NATS_URL, name: 'api' }, names: orchNames(config.ORCH_NAMESPACE) }),
      LedgerDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-api',
        poolSize: config.DB_POOL_SIZE,
        readOnly: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, LEDGER_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
      { module: class ApiConfigModule {}, global: true, providers: [{ provide: ApiConfig, useValue: config }], exports: [ApiConfig] },
      JobsModule,
    ],
  })
  class ApiModule {}
  return ApiModule;
}
