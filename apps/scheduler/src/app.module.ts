import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { AdmissionService } from './admission/admission.service';
import { SchedulerConfig } from './config';
import { ScheduleTickService } from './schedules/schedule-tick.service';

/** The scheduler: owns nothing durable; reads the ledger read-only and sends commands (admission, cron ticks). */
export function schedulerModule(config: SchedulerConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'scheduler', level: config.LOG_LEVEL }),
      // Commands and core subscriptions only; the ledger-writer creates the streams it publishes to.
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'scheduler'),
        names: orchNames(config.ORCH_NAMESPACE),
        ensureStreams: false,
      }),
      LedgerDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-scheduler',
        poolSize: config.DB_POOL_SIZE,
        readOnly: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, LEDGER_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
    ],
    providers: [{ provide: SchedulerConfig, useValue: config }, AdmissionService, ScheduleTickService],
  })
  class SchedulerModule {}
  return SchedulerModule;
}
