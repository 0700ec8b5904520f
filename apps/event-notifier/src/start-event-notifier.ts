import { ALLOW_QUERY_TOKEN, OPERATOR_ACTION, REQUIRED_SCOPES } from '@orch/auth';
import { orchNames } from '@orch/contracts';
import { JetStreamServer, natsConnectOptions } from '@orch/messaging';
import { bootstrapService, metadataRouteAccess, OpenApiOptions, RunningService, setupOpenApi, useApiVersionHeader } from '@orch/service-kit';
import { eventNotifierModule } from './app.module';
import { EventNotifierConfig } from './config';
import { EVENT_NOTIFIER_DURABLE, LEDGER_EVENTS_CONSUMER } from './notifier/notifier.controller';
import { eventNotifierSchemas } from './openapi-schemas';
import { WEBHOOK_FANOUT_CONSUMER, WEBHOOK_FANOUT_MAX_IN_FLIGHT, WEBHOOKS_DURABLE } from './webhooks/webhook-fanout';

/** The event-notifier's OpenAPI document: its HTTP routes are the live streams (docs/api-openapi.md). */
export function eventNotifierOpenApiOptions(): OpenApiOptions {
  return {
    title: 'Orch event-notifier streams',
    description: [
      "Live streams of a tenant's notifier events (`orch.event.v1`) and of a job's log lines: server-sent events and a WebSocket.",
      '',
      '- **Auth**: a bearer JWT with `orch:read`; the tenant comes from the token (`X-Orch-Tenant` chooses one when it grants several). ' +
        'Browsers cannot set headers on EventSource or WebSocket: `?access_token=` and `?tenant=` stand in for them (use short-lived tokens).',
      '- **Resume**: every event carries its stream sequence (SSE `id`, WebSocket `seq`); reconnect with `Last-Event-ID` (SSE) or `?since=` (WebSocket).',
      '- **Errors** before a stream starts are `application/problem+json` with a stable `code`; once it runs, a last `event: error` frame (SSE) or a close code (WebSocket) says why it ended.',
      '- **Versioning**: every answer carries `X-Orch-Api-Version`.',
      '',
      'Jobs, audit and webhooks are managed through the api (control plane), which serves its own document at `/.well-known/openapi`.',
    ].join('\n'),
    tags: [
      { name: 'events', description: "The tenant's notifier events, live (SSE, WebSocket)." },
      { name: 'jobs', description: "A job's log lines, live (SSE)." },
      { name: 'discovery', description: 'This document.' },
    ],
    access: metadataRouteAccess({ scopes: REQUIRED_SCOPES, queryToken: ALLOW_QUERY_TOKEN, operator: OPERATOR_ACTION }),
    rateLimited: false,
    schemas: eventNotifierSchemas(),
  };
}

/**
 * Starts the event-notifier (main.ts, and in-process integration tests with
 * `handleSignals: false` and `HTTP_PORT=0`): its NATS transport with the two
 * durable consumers, the API version header on every answer, and the OpenAPI
 * document, built before the server listens.
 */
export function startEventNotifier(config: EventNotifierConfig, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const names = orchNames(config.ORCH_NAMESPACE);
  return bootstrapService({
    name: 'event-notifier',
    module: eventNotifierModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    handleSignals: opts.handleSignals,
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
    configure: (app) => {
      // First, so every answer carries it (problem+json errors and the stream routes included), as the document says.
      useApiVersionHeader(app);
      setupOpenApi(app, eventNotifierOpenApiOptions());
    },
  });
}
