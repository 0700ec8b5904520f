import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions, streamSettingsFromConfig } from '@orch/messaging';
import { LIMITS_DATA_SOURCE, LimitsDataModule, postgresReadinessCheck } from '@orch/persistence';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { ADMISSION_POLICY } from './admission/admission-policy';
import { AdmissionController } from './admission/admission.controller';
import { PostgresAdmissionPolicy } from './admission/postgres-admission-policy';
import { RateLimiterConfig } from './config';
import { BreakerOutcomes } from './limits/breaker-outcomes';
import { LimitsNotices } from './limits/limits-notices';
import { RuleSetCache } from './limits/rule-set-cache';
import { SlotReconcilerService } from './limits/slot-reconciler.service';
import { SlotReleaseController } from './limits/slot-release.controller';
import { SlotReleaseService } from './limits/slot-release.service';
import { LimitsAdminController } from './limits-admin/limits-admin.controller';
import { LimitsAdminService } from './limits-admin/limits-admin.service';
import { LimitsAuditService } from './limits-admin/limits-audit.service';
import { UpstreamFeedbackController, UpstreamFeedbackService } from './upstream/upstream-feedback';

/**
 * The rate-limiter: owner of the `limits` schema (runs its migrations at boot); answers
 * admission questions with the {@link PostgresAdmissionPolicy}, releases slots when attempts end
 * (events consumer + reconciler), counts outcomes in circuit breakers, and slows adaptive rate
 * buckets on workers' upstream reports.
 */
export function rateLimiterModule(config: RateLimiterConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'rate-limiter', level: config.LOG_LEVEL }),
      // It consumes the EVENTS stream, so it makes sure the streams exist (same settings as every service).
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'rate-limiter'),
        names: orchNames(config.ORCH_NAMESPACE),
        streamSettings: streamSettingsFromConfig(config),
      }),
      LimitsDataModule.forRoot({
        url: config.DATABASE_URL,
        applicationName: 'orch-rate-limiter',
        poolSize: config.LIMITS_DB_POOL_SIZE,
        migrate: true,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION, LIMITS_DATA_SOURCE],
        useFactory: (nc: NatsConnection, ds: DataSource) => [natsReadinessCheck(nc), postgresReadinessCheck(ds)],
      }),
    ],
    controllers: [AdmissionController, SlotReleaseController, LimitsAdminController, UpstreamFeedbackController],
    providers: [
      { provide: RateLimiterConfig, useValue: config },
      PostgresAdmissionPolicy,
      { provide: ADMISSION_POLICY, useExisting: PostgresAdmissionPolicy },
      LimitsNotices,
      RuleSetCache,
      BreakerOutcomes,
      SlotReleaseService,
      SlotReconcilerService,
      LimitsAuditService,
      LimitsAdminService,
      UpstreamFeedbackService,
    ],
  })
  class RateLimiterModule {}
  return RateLimiterModule;
}
