import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { RateLimiterConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(RateLimiterConfig);
  startTelemetry({ serviceName: 'rate-limiter', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // Loaded after telemetry so http/express are instrumented.
  const { startRateLimiter } = await import('./start-rate-limiter');
  await startRateLimiter(config);
}

main().catch((err) => {
  console.error(`rate-limiter failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
