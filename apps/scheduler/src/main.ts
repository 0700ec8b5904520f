import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { SchedulerConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(SchedulerConfig);
  startTelemetry({ serviceName: 'scheduler', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // Loaded after telemetry so http/express are instrumented.
  const { startScheduler } = await import('./start-scheduler');
  await startScheduler(config);
}

main().catch((err) => {
  console.error(`scheduler failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
