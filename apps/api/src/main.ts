import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { ApiConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(ApiConfig);
  startTelemetry({ serviceName: 'api', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // Loaded after telemetry starts so http and express are instrumented.
  const { bootstrapService } = await import('@orch/service-kit');
  const { apiModule } = await import('./app.module');
  const { configureHttp } = await import('./http/configure-http');
  await bootstrapService({
    name: 'api',
    module: apiModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    configure: (app) => configureHttp(app, { maxBodyBytes: config.API_MAX_BODY_BYTES }),
  });
}

main().catch((err) => {
  console.error(`api failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
