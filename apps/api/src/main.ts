import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { ApiConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(ApiConfig);
  startTelemetry({ serviceName: 'api', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // Loaded after telemetry starts so http and express are instrumented.
  const { startApi } = await import('./start-api');
  await startApi(config);
}

main().catch((err) => {
  console.error(`api failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
