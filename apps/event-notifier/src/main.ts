import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { EventNotifierConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(EventNotifierConfig);
  startTelemetry({ serviceName: 'event-notifier', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // Loaded after telemetry starts so http and express are instrumented.
  const { startEventNotifier } = await import('./start-event-notifier');
  await startEventNotifier(config);
}

main().catch((err) => {
  console.error(`event-notifier failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
