import { startTelemetry } from '@orch/telemetry';
import { parseEnv } from '@orch/service-kit';
import { EventNotifierConfig } from './config';

async function main(): Promise<void> {
  const config = parseEnv(EventNotifierConfig);
  startTelemetry({ serviceName: 'event-notifier', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const { bootstrapService } = await import('@orch/service-kit');
  const { JetStreamServer, natsConnectOptions } = await import('@orch/messaging');
  const { orchNames } = await import('@orch/contracts');
  const { eventNotifierModule } = await import('./app.module');
  const { LEDGER_EVENTS_CONSUMER, EVENT_NOTIFIER_DURABLE } = await import('./notifier/notifier.controller');
  const { WEBHOOK_FANOUT_CONSUMER, WEBHOOKS_DURABLE, WEBHOOK_FANOUT_MAX_IN_FLIGHT } = await import('./webhooks/webhook-fanout');
  const names = orchNames(config.ORCH_NAMESPACE);
  await bootstrapService({
    name: 'event-notifier',
    module: eventNotifierModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    microservices: [
      new JetStreamServer({
        connection: natsConnectOptions(config, 'event-notifier'),
        names,
        service: 'event-notifier',
        consumers: {
          [LEDGER_EVENTS_CONSUMER]: {
            stream: names.streams.events,
            durable: EVENT_NOTIFIER_DURABLE,
            filterSubject: names.evtAll(),
            maxInFlight: config.NOTIFIER_MAX_IN_FLIGHT,
          },
          // Notifier events → webhook deliveries. Created delivering new messages only: no webhook can exist before it.
          [WEBHOOK_FANOUT_CONSUMER]: {
            stream: names.streams.notify,
            durable: WEBHOOKS_DURABLE,
            filterSubject: names.notifyAll(),
            maxInFlight: WEBHOOK_FANOUT_MAX_IN_FLIGHT,
            deliverNew: true,
          },
        },
      }),
    ],
  });
}

main().catch((err) => {
  console.error(`event-notifier failed to start: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
