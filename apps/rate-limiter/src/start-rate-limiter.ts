import { orchNames } from '@orch/contracts';
import { JetStreamServer, natsConnectOptions } from '@orch/messaging';
import { bootstrapService, RunningService } from '@orch/service-kit';
import { rateLimiterModule } from './app.module';
import { RateLimiterConfig } from './config';

/** Starts the rate-limiter (main.ts, and in-process integration tests with `handleSignals: false`). */
export function startRateLimiter(config: RateLimiterConfig, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
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
        names: orchNames(config.ORCH_NAMESPACE),
        service: 'rate-limiter',
      }),
    ],
  });
}
