import { bootstrapService, RunningService } from '@orch/service-kit';
import { schedulerModule } from './app.module';
import { SchedulerConfig } from './config';

/**
 * Starts the scheduler (main.ts, and in-process integration tests with
 * `handleSignals: false`). It serves no NATS commands, so it has no transport:
 * shutdown goes straight to `beforeApplicationShutdown`, which stops the loop.
 */
export function startScheduler(config: SchedulerConfig, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
  return bootstrapService({
    name: 'scheduler',
    module: schedulerModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    handleSignals: opts.handleSignals,
  });
}
