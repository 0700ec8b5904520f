import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule, authOptionsFromConfig } from '@orch/auth';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions, streamSettingsFromConfig } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule, OpenApiModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { ApiConfig } from './config';
import { DashboardModule } from './dashboard/dashboard.module';
import { RateLimitInterceptor } from './http/rate-limit.interceptor';
import { TenantRateLimiter } from './http/tenant-rate-limiter';
import { JobsModule } from './jobs/jobs.module';
import { AuditModule } from './audit/audit.module';
import { JobsOperationsModule } from './jobs-operations/jobs-operations.module';
import { LegacyModule } from './legacy/legacy.module';
import { ExplainModule } from './explain/explain.module';
import { ReplaysModule } from './replays/replays.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { RunsModule } from './runs/runs.module';
import { BackfillsModule } from './backfills/backfills.module';
import { SchedulesModule } from './schedules/schedules.module';
import { LimitsModule } from './limits/limits.module';
import { ExportsModule } from './exports/exports.module';
import { ArtifactsModule } from './artifacts/artifacts.module';

/**
 * The api (control plane): REST in front of the ledger. It owns nothing durable:
 * changes go to ledger-writer as NATS commands, reads use a read-only pool
 * (never migrates; ledger-writer owns the schema). Every route but the probes
 * needs a bearer token (AuthModule) and is rate limited per tenant.
 */
export function apiModule(config: ApiConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'api', level: config.LOG_LEVEL }),
      AuthModule.forRoot(authOptionsFromConfig(config)),
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'api'),
        names: orchNames(config.ORCH_NAMESPACE),
        streamSettings: streamSettingsFromConfig(config),
      }),
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
      // Before JobsModule: `GET /api/v1/jobs/summary` must be matched before `GET /api/v1/jobs/:id`.
      JobsOperationsModule,
      JobsModule,
      LegacyModule,
      ExplainModule,
      ReplaysModule,
      AuditModule,
      WebhooksModule,
      RunsModule,
      BackfillsModule,
      SchedulesModule,
      LimitsModule,
      ExportsModule,
      ArtifactsModule,
      DashboardModule.forRoot({ eventsUrl: config.DASHBOARD_EVENTS_URL }),
      // `GET /.well-known/openapi`; the document is built by setupOpenApi in start-api.ts.
      OpenApiModule,
    ],
    providers: [
      { provide: TenantRateLimiter, useValue: new TenantRateLimiter({ ratePerSecond: config.API_RATE_LIMIT_RPS, burst: config.API_RATE_LIMIT_BURST }) },
      { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
    ],
  })
  class ApiModule {}
  return ApiModule;
}
