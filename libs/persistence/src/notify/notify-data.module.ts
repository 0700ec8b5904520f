import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createNotifyDataSource, NotifyDataSourceOptions, runNotifyMigrations } from './notify-data-source';

/** Injection token of the notify {@link DataSource}. */
export const NOTIFY_DATA_SOURCE = Symbol('NOTIFY_DATA_SOURCE');

/** Options of {@link NotifyDataModule.forRoot}. */
export interface NotifyDataModuleOptions extends NotifyDataSourceOptions {
  /** Apply pending migrations at boot (only the schema owner, event-notifier, does). */
  migrate?: boolean;
}

@Injectable()
class NotifyDataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(NOTIFY_DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * Provides the notify DataSource (global), initialised (and migrated, when
 * asked) at boot and destroyed after everything else has shut down.
 */
@Global()
@Module({})
export class NotifyDataModule {
  static forRoot(options: NotifyDataModuleOptions): DynamicModule {
    return {
      module: NotifyDataModule,
      providers: [
        {
          provide: NOTIFY_DATA_SOURCE,
          useFactory: async () => {
            const ds = createNotifyDataSource(options);
            await ds.initialize();
            try {
              if (options.migrate) await runNotifyMigrations(ds);
            } catch (err) {
              await ds.destroy().catch(() => undefined);
              throw err;
            }
            return ds;
          },
        },
        NotifyDataSourceCloser,
      ],
      exports: [NOTIFY_DATA_SOURCE],
    };
  }
}
