import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { MessagingModule, NATS_CONNECTION, natsReadinessCheck, natsConnectOptions } from '@orch/messaging';
import { HealthModule } from '@orch/service-kit';
import { OrchLoggerModule } from '@orch/telemetry';
import { ADMISSION_POLICY, AllowAllPolicy } from './admission/admission-policy';
import { AdmissionController } from './admission/admission.controller';
import { RateLimiterConfig } from './config';

/** The rate-limiter: answers admission questions through an {@link AdmissionPolicy}. */
export function rateLimiterModule(config: RateLimiterConfig) {
  @Module({
    imports: [
      OrchLoggerModule.forRoot({ serviceName: 'rate-limiter', level: config.LOG_LEVEL }),
      // It reads and writes no stream, so it leaves stream creation to the services that do.
      MessagingModule.forRoot({
        connection: natsConnectOptions(config, 'rate-limiter'),
        names: orchNames(config.ORCH_NAMESPACE),
        ensureStreams: false,
      }),
      HealthModule.forRootAsync({
        inject: [NATS_CONNECTION],
        useFactory: (nc: NatsConnection) => [natsReadinessCheck(nc)],
      }),
    ],
    controllers: [AdmissionController],
    providers: [
      { provide: RateLimiterConfig, useValue: config },
      { provide: ADMISSION_POLICY, useClass: AllowAllPolicy },
    ],
  })
  class RateLimiterModule {}
  return RateLimiterModule;
}
