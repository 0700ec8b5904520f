import { Module } from '@nestjs/common';
import { orchNames } from '@orch/contracts';
import { MessagingModule } from '@orch/messaging';
import { createLedgerDataSource, runLedgerMigrations } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import { DataSource } from 'typeorm';
import { LedgerWriterConfig } from './config';
import { LedgerController } from './ledger/ledger.controller';
import { LEDGER_DATA_SOURCE, LedgerService } from './ledger/ledger.service';

/** The ledger-writer: single writer of the `ledger` schema. */
export function ledgerWriterModule(config: LedgerWriterConfig) {
  let ds: DataSource | undefined;
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'ledger-writer', level: config.LOG_LEVEL }),
      MessagingModule.forRoot({ connection: { url: config.NATS_URL, name: 'ledger-writer' }, names: orchNames(config.ORCH_NAMESPACE) }),
      HealthModule.forRoot({
        checks: [{ name: 'postgres', check: async () => void (await ds?.query('SELECT 1')) }],
      }),
    ],
    controllers: [LedgerController],
    providers: [
      { provide: LedgerWriterConfig, useValue: config },
      {
        provide: LEDGER_DATA_SOURCE,
        useFactory: async () => {
          ds = createLedgerDataSource({ url: config.DATABASE_URL, applicationName: 'orch-ledger-writer', poolSize: config.DB_POOL_SIZE });
          await ds.initialize();
          await runLedgerMigrations(ds);
          return ds;
        },
      },
      LedgerService,
    ],
  })
  class LedgerWriterModule {}
  return LedgerWriterModule;
}
