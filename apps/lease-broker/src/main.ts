import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { LeaseBrokerConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(LeaseBrokerConfig);
  startTelemetry({ serviceName: 'lease-broker', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const { bootstrapService } = await import('@orch/service-kit');
  const { JetStreamServer, natsConnectOptions } = await import('@orch/messaging');
  const { orchNames } = await import('@orch/contracts');
  const { leaseBrokerModule } = await import('./app.module');
  const { DispatchFeeds } = await import('./dispatch/dispatch-feeds');
  const running = await bootstrapService({
    name: 'lease-broker',
    module: leaseBrokerModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    microservices: [
      new JetStreamServer({
        connection: natsConnectOptions(config, 'lease-broker'),
        names: orchNames(config.ORCH_NAMESPACE),
        service: 'lease-broker',
      }),
    ],
  });
  // Long-polling claims would hold up the transport's drain for their whole wait: answer them
  // as soon as shutdown begins (bootstrapService's own handler, registered first, does the rest).
  const feeds = running.app.get(DispatchFeeds);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => feeds.beginShutdown());
}

main().catch((err) => {
  console.error(`lease-broker failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
