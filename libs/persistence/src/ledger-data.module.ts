import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createLedgerDataSource, LedgerDataSourceOptions, runLedgerMigrations } from './data-source';

/** Injection token of the ledger {@link DataSource}. */
export const LEDGER_DATA_SOURCE = Symbol('LEDGER_DATA_SOURCE');

/** Options of {@link LedgerDataModule.forRoot}. */
export interface LedgerDataModuleOptions extends LedgerDataSourceOptions {
  /** Apply pending migrations at boot (only the schema owner, ledger-writer, does). */
  migrate?: boolean;
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * Provides the ledger DataSource (global), initialised at boot and destroyed
 * after everything else has shut down.
 */
@Global()
@Module({})
export class LedgerDataModule {
  static forRoot(options: LedgerDataModuleOptions): DynamicModule {
    return {
      module: LedgerDataModule,
      providers: [
        {
          provide: LEDGER_DATA_SOURCE,
          useFactory: async () => {
            const ds = createLedgerDataSource(options);
            await ds.initialize();
            if (options.migrate) await runLedgerMigrations(ds);
            return ds;
          },
        },
        DataSourceCloser,
      ],
      exports: [LEDGER_DATA_SOURCE],
    };
  }
}

/** A readiness check for `@orch/service-kit`'s HealthModule: PostgreSQL answers `SELECT 1`. */
export function postgresReadinessCheck(ds: DataSource): { name: string; check: () => Promise<void> } {
  return { name: 'postgres', check: async () => void (await ds.query('SELECT 1')) };
}
