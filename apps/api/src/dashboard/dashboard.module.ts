import { DynamicModule, Module } from '@nestjs/common';
import { loadDashboardAssets } from './dashboard-assets';
import { DASHBOARD_ASSETS, DASHBOARD_SETTINGS, DashboardController } from './dashboard.controller';
import { dashboardSettings } from './dashboard-settings';

/** Options of {@link DashboardModule.forRoot}. */
export interface DashboardOptions {
  /** `DASHBOARD_EVENTS_URL` of the api config. */
  eventsUrl: string;
  /** Directory of the static files (tests may point elsewhere). */
  publicDir?: string;
}

/** The operator dashboard at `/dashboard/` (static files read once at boot, and `config.json`). */
@Module({})
export class DashboardModule {
  static forRoot(options: DashboardOptions): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [DashboardController],
      providers: [
        { provide: DASHBOARD_ASSETS, useFactory: () => loadDashboardAssets(options.publicDir) },
        { provide: DASHBOARD_SETTINGS, useValue: dashboardSettings(options.eventsUrl) },
      ],
    };
  }
}
