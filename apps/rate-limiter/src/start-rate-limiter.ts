import { orchNames } from '@orch/contracts';
import { JetStreamServer, natsConnectOptions } from '@orch/messaging';
import { bootstrapService, RunningService } from '@orch/service-kit';
import { rateLimiterModule } from './app.module';
import { RateLimiterConfig } from './config';
import { LIMITS_EVENTS_CONSUMER, RATE_LIMITER_DURABLE } from './limits/slot-release.controller';

/** Starts the rate-limiter (main.ts, and in-process integration tests with `handleSignals: false`). */
export function startRateLimiter(config: RateLimiterConfig, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const names = orchNames(config.ORCH_NAMESPACE);
  return bootstrapService({
    name: 'rate-limiter',
    module: rateLimiterModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    handleSignals: opts.handleSignals,
    microservices: [
      new JetStreamServer({
        connection: natsConnectOptions(config, 'rate-limiter'),
        names,
        service: 'rate-limiter',
        consumers: {
          // Ledger events → slot releases when an attempt ends.
          [LIMITS_EVENTS_CONSUMER]: {
            stream: names.streams.events,
            durable: RATE_LIMITER_DURABLE,
            filterSubject: names.evtAll(),
            maxInFlight: config.LIMITS_EVENTS_MAX_IN_FLIGHT,
          },
        },
      }),
    ],
  });
}
