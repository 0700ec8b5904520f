import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createLimitsDataSource, LimitsDataSourceOptions, runLimitsMigrations } from './limits-data-source';

/** Injection token of the limits {@link DataSource}. */
export const LIMITS_DATA_SOURCE = Symbol('LIMITS_DATA_SOURCE');

/** Options of {@link LimitsDataModule.forRoot}. */
export interface LimitsDataModuleOptions extends LimitsDataSourceOptions {
  /** Apply pending migrations at boot (only the schema owner, rate-limiter, does). */
  migrate?: boolean;
}

@Injectable()
class LimitsDataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/** Provides the limits DataSource (global), initialised (and migrated, when asked) at boot, destroyed last. */
@Global()
@Module({})
export class LimitsDataModule {
  static forRoot(options: LimitsDataModuleOptions): DynamicModule {
    return {
      module: LimitsDataModule,
      providers: [
        {
          provide: LIMITS_DATA_SOURCE,
          useFactory: async () => {
            const ds = createLimitsDataSource(options);
            await ds.initialize();
            try {
              if (options.migrate) await runLimitsMigrations(ds);
            } catch (err) {
              await ds.destroy().catch(() => undefined);
              throw err;
            }
            return ds;
          },
        },
        LimitsDataSourceCloser,
      ],
      exports: [LIMITS_DATA_SOURCE],
    };
  }
}
