/**
 * Schemas and examples of the event-notifier's OpenAPI document: what its
 * streams carry. The types are interfaces, so each schema is typed by its
 * interface (`objectSchema<NotifierEvent>`): a field added to the interface
 * and not here does not compile.
 */
import type { SchemaObject } from '@nestjs/swagger';
import { EVENT_TYPES, JOB_STATUSES, LogLine, NotifierEvent } from '@orch/contracts';
import { classSchemaWith, objectSchema, orNull, schemaRef, type JsonExample } from '@orch/service-kit';
import type { LogStreamEnd, LogStreamItem } from './logs/log-lines';
import { formatSseFrame, formatSseRetry, SSE_RETRY_MS } from './sse/sse-frames';
import { WS_CLOSE, type WsEventMessage } from './ws/ws-transport';

/** Names of the event-notifier's schemas in `components.schemas`. */
export const S = {
  notifierEvent: 'NotifierEvent',
  wsMessage: 'EventStreamMessage',
  logItem: 'LogStreamItem',
  logEnd: 'LogStreamEnd',
  streamError: 'StreamError',
} as const;

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const uuid = (description?: string): SchemaObject => string(description, { format: 'uuid' });
const integer = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra, ...(description ? { description } : {}) });
const seconds = (description: string): SchemaObject => orNull({ type: 'number', minimum: 0, description });

const notifierEvent = objectSchema<NotifierEvent>({
  description: 'A notifier event (`orch.event.v1`): one per ledger event of the tenant, with its provenance. A redelivery reuses `eventId` and `idempotencyKey`.',
  properties: {
    schemaVersion: { type: 'string', enum: ['orch.event.v1'] },
    eventId: uuid('UUIDv7; the ledger event id.'),
    eventType: { type: 'string', enum: [...EVENT_TYPES] },
    occurredAt: instant(),
    idempotencyKey: string('`orch-{eventType}-{jobId}-{attempt}` (repeatable facts append `-{ledgerSeq}`).'),
    correlationId: string(),
    tenantId: string(),
    projectId: string(),
    actor: objectSchema<NotifierEvent['actor']>({ properties: { subject: string(), scopes: { type: 'array', items: string() } } }),
    job: objectSchema<NotifierEvent['job']>({
      properties: {
        id: uuid(),
        type: string('The job type.'),
        runId: orNull(string()),
        attempt: integer(undefined, { minimum: 1 }),
        leaseId: orNull(uuid()),
        taskRunnerId: orNull(string('The worker that holds or held the lease.')),
        status: { type: 'string', enum: [...JOB_STATUSES] },
        reason: orNull(string()),
        payloadDigest: string(undefined, { pattern: '^[0-9a-f]{64}$' }),
        artifacts: {
          type: 'array',
          items: objectSchema<NotifierEvent['job']['artifacts'][number]>({ properties: { uri: string(), digest: string(), mime: string() } }),
        },
      },
    }),
    metrics: objectSchema<NotifierEvent['metrics']>({
      properties: {
        durationSeconds: seconds('Run time of the attempt, on terminal events.'),
        backoffSeconds: seconds('Wait before the next attempt, on retries.'),
        logStreamLagSeconds: seconds('How far log delivery lags.'),
      },
    }),
    ledgerSeq: integer('Position in the tenant ledger chain.', { minimum: 1 }),
  },
});

const logItem = classSchemaWith<LogLine, LogStreamItem>(LogLine, {
  description: '`data` of an `event: log` frame.',
  properties: {
    seq: integer('LOGS stream sequence, also the frame `id`.', { minimum: 1 }),
    tenant: string(),
    project: string(),
    correlationId: string(),
  },
});

const logEnd = objectSchema<LogStreamEnd>({
  description: '`data` of the `event: end` frame: the job is terminal and every line up to `lastSeq` was sent.',
  properties: {
    jobId: uuid(),
    status: { type: 'string', enum: [...JOB_STATUSES] },
    lastSeq: integer('The last log sequence of the job (0: it logged nothing).', { minimum: 0 }),
    tenant: string(),
    project: string(),
    correlationId: string(),
  },
});

/** The response schemas, for `setupOpenApi`'s `schemas`. */
export function eventNotifierSchemas(): Record<string, SchemaObject> {
  return {
    [S.notifierEvent]: notifierEvent,
    [S.wsMessage]: objectSchema<WsEventMessage>({
      description: 'One WebSocket text message.',
      properties: { seq: integer('NOTIFY stream sequence (the SSE `id`): resume with `?since=<seq>`.', { minimum: 1 }), event: schemaRef(S.notifierEvent) },
    }),
    [S.logItem]: logItem,
    [S.logEnd]: logEnd,
    [S.streamError]: objectSchema<{ code: string; reason: string }>({
      description: '`data` of an `event: error` frame, the last of a stream that ends early (no `id`: Last-Event-ID stays the last event received).',
      properties: { code: { type: 'string', enum: ['client_too_slow', 'stream_unavailable', 'token_expired'] }, reason: string() },
    }),
  };
}

const JOB_ID = '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01';
const exampleEvent: NotifierEvent = {
  schemaVersion: 'orch.event.v1',
  eventId: '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1b02',
  eventType: 'job.succeeded',
  occurredAt: '2026-11-23T10:16:02.000Z',
  idempotencyKey: `orch-job.succeeded-${JOB_ID}-1`,
  correlationId: '0190d6f0-3c19-7000-8000-000000000001',
  tenantId: 'acme',
  projectId: 'ingest',
  actor: { subject: 'worker-7', scopes: [] },
  job: {
    id: JOB_ID,
    type: 'nvd.sync',
    runId: null,
    attempt: 1,
    leaseId: '0190d6f0-5d00-7e00-8a00-00000000000a',
    taskRunnerId: 'worker-7',
    status: 'succeeded',
    reason: 'completed',
    payloadDigest: '9f2b5c0e7d4a1f8b3c6e9d2a5f8b1c4e7d0a3f6b9c2e5d8a1f4b7c0e3d6a9f2b',
    artifacts: [],
  },
  metrics: { durationSeconds: 61.2, backoffSeconds: null, logStreamLagSeconds: null },
  ledgerSeq: 44,
};

const logLine: LogStreamItem = {
  seq: 118,
  jobId: JOB_ID,
  attempt: 1,
  level: 'info',
  message: 'fetching page 1',
  ts: '2026-11-23T10:15:02.000Z',
  tenant: 'acme',
  project: 'ingest',
  correlationId: exampleEvent.correlationId,
};
const logEndValue: LogStreamEnd = { jobId: JOB_ID, status: 'succeeded', lastSeq: 121, tenant: 'acme', project: 'ingest', correlationId: exampleEvent.correlationId };

/** Raw frames of `GET /api/v1/events/stream`. */
export const eventStreamExamples = {
  events: {
    summary: 'The retry hint, then one frame per notifier event',
    value: formatSseRetry(SSE_RETRY_MS) + formatSseFrame({ id: '1042', event: exampleEvent.eventType, data: JSON.stringify(exampleEvent) }) + ': keep-alive\n\n',
  },
  error: {
    summary: 'A stream cut off because the client read too slowly',
    value: formatSseFrame({ event: 'error', data: JSON.stringify({ code: 'client_too_slow', reason: 'client too slow: more than 1048576 bytes were waiting to be sent; reconnect with Last-Event-ID to resume' }) }),
  },
} satisfies Record<string, JsonExample<string>>;

/** Raw frames of `GET /api/v1/jobs/{id}/logs/stream`. */
export const logStreamExamples = {
  lines: {
    summary: 'Log lines, then the end of the job',
    value:
      formatSseRetry(SSE_RETRY_MS) +
      formatSseFrame({ id: String(logLine.seq), event: 'log', data: JSON.stringify(logLine) }) +
      formatSseFrame({ event: 'end', data: JSON.stringify(logEndValue) }),
  },
} satisfies Record<string, JsonExample<string>>;

/** The example WebSocket message. */
export const exampleWsMessage: WsEventMessage = { seq: 1042, event: exampleEvent };

/** Close codes of the events WebSocket (it never completes by itself), as documented. */
export const WS_CLOSE_CODES = [WS_CLOSE.slow_client, WS_CLOSE.token_expired, WS_CLOSE.shutdown, WS_CLOSE.source_ended].map((c) => `${c.code} \`${c.reason}\``).join(', ');
