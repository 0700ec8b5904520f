import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions, streamSettingsFromConfig } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { LedgerWriterConfig } from './config';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerService } from './ledger/ledger.service';
import { SchedulesController } from './schedules/schedules.controller';
import { ScheduleService } from './schedules/schedule.service';

/** The ledger-writer: single writer of the `ledger` schema; runs its migrations at boot. */
export function ledgerWriterModule(config: LedgerWriterConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'ledger-writer', level: config.LOG_LEVEL }),
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'ledger-writer'),
        names: orchNames(config.ORCH_NAMESPACE),
        streamSettings: streamSettingsFromConfig(config),
      }),
      LedgerDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-ledger-writer',
        poolSize: config.DB_POOL_SIZE,
        migrate: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, LEDGER_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
    ],
    controllers: [LedgerController, SchedulesController],
    providers: [{ provide: LedgerWriterConfig, useValue: config }, LedgerService, ScheduleService],
  })
  class LedgerWriterModule {}
  return LedgerWriterModule;
}
