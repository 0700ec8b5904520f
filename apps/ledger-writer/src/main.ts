import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { LedgerWriterConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(LedgerWriterConfig);
  startTelemetry({ serviceName: 'ledger-writer', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const { bootstrapService } = await import('@orch/service-kit');
  const { JetStreamServer, natsConnectOptions } = await import('@orch/messaging');
  const { orchNames } = await import('@orch/contracts');
  const { ledgerWriterModule } = await import('./app.module');
  await bootstrapService({
    name: 'ledger-writer',
    module: ledgerWriterModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    microservices: [
      new JetStreamServer({
        connection: natsConnectOptions(config, 'ledger-writer'),
        names: orchNames(config.ORCH_NAMESPACE),
        service: 'ledger-writer',
      }),
    ],
  });
}

main().catch((err) => {
   
  console.error(`ledger-writer failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
