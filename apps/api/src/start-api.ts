import { ALLOW_QUERY_TOKEN, OPERATOR_ACTION, REQUIRED_SCOPES } from '@orch/auth';
import { bootstrapService, metadataRouteAccess, OpenApiOptions, RunningService, setupOpenApi } from '@orch/service-kit';
import { apiModule } from './app.module';
import { ApiConfig } from './config';
import { configureHttp } from './http/configure-http';
import { API_REQUEST_CLASSES, API_SCHEMA_CONVERTERS, apiResponseSchemas } from './openapi-schemas';

/** The api's OpenAPI document: what it is about, and where its parts come from (docs/api-openapi.md). */
export function apiOpenApiOptions(): OpenApiOptions {
  return {
    title: 'Orch control plane API',
    description: [
      'Submit, watch, cancel and audit jobs of your tenant, and manage webhooks.',
      '',
      '- **Auth**: a bearer JWT; each operation lists the scopes it needs (`x-orch-scopes`). The tenant comes from the token ' +
        '(`X-Orch-Tenant` chooses one when the token grants several); another tenant\'s objects answer 404.',
      '- **Operator actions** (cancel, webhook changes) need `X-Orch-Reason` and may carry `X-Orch-Ticket`; both land in the audit log.',
      '- **Idempotency**: every POST takes an `Idempotency-Key`. Same key and body again: the first answer, with `Idempotent-Replayed: true`. ' +
        'Same key, another body: 409 `idempotency_conflict`.',
      '- **Pagination**: `page_size` (default 50, at most 500) and `page_token` ← the previous page\'s `next_page_token` (null on the last page).',
      '- **Errors**: `application/problem+json` with a stable `code` and the `traceId`. Over the tenant\'s rate limit: 429 with `Retry-After` and `X-RateLimit-*`.',
      '- **Versioning**: every answer carries `X-Orch-Api-Version`; deprecated routes answer with `Deprecation`, `Sunset` and a `Link` to their successor.',
      '',
      'Live streams (SSE, WebSocket) are served by the event-notifier; it serves its own document at `/.well-known/openapi`.',
    ].join('\n'),
    tags: [
      { name: 'jobs', description: 'Submit, list, inspect, cancel and replay jobs; their events, logs and counts.' },
      { name: 'audit', description: 'The tenant\'s hash-chained audit log of operator actions.' },
      { name: 'webhooks', description: 'Endpoints that receive notifier events (`orch.event.v1`, HMAC-signed), their deliveries and redeliveries.' },
      { name: 'schedules', description: 'Recurring cron schedules in a time zone: each fire time submits one job; pause, resume, next fire times.' },
      { name: 'runs', description: 'DAG runs: jobs with dependencies, created together; their graph with states and critical path.' },
      { name: 'limits', description: 'Rate limits, concurrency caps, quotas, breakers and pauses of the tenant (enforced by the rate-limiter), and the quota remaining.' },
      { name: 'backfills', description: 'Backfills over event-time windows, cut into slices: dry runs with skips and estimates, progress and watermarks, pause, resume, cancel.' },
      { name: 'artifacts', description: 'What workers published for a job: the list from the ledger, and downloads checked against the recorded SHA-256 before they are sent.' },
      { name: 'dead-letters', description: 'Jobs that ended for good: list, inspect, stats with top-error clustering; replay and purge in bulk, each with a dry run.' },
      { name: 'exports', description: "The tenant's state as an offline-kit bundle archive, for `orchctl import` at another site." },
      { name: 'discovery', description: 'This document.' },
    ],
    access: metadataRouteAccess({ scopes: REQUIRED_SCOPES, queryToken: ALLOW_QUERY_TOKEN, operator: OPERATOR_ACTION }),
    // RateLimitInterceptor limits every authenticated request per tenant.
    rateLimited: true,
    requestClasses: API_REQUEST_CLASSES,
    schemaConverters: API_SCHEMA_CONVERTERS,
    schemas: apiResponseSchemas(),
  };
}

/**
 * Starts the api (main.ts, and in-process integration tests with
 * `handleSignals: false` and `HTTP_PORT=0`): the HTTP pipeline of
 * {@link configureHttp}, then the OpenAPI document, built before the server
 * listens so a route that cannot be documented stops the boot.
 */
export function startApi(config: ApiConfig, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
  return bootstrapService({
    name: 'api',
    module: apiModule(config),
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    handleSignals: opts.handleSignals,
    configure: (app) => {
      configureHttp(app, { maxBodyBytes: config.API_MAX_BODY_BYTES });
      setupOpenApi(app, apiOpenApiOptions());
    },
  });
}
