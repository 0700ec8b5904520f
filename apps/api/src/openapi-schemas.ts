/**
 * Schemas of the api's OpenAPI document. Request bodies are the class-validator
 * classes themselves (generated, see {@link API_REQUEST_CLASSES}); the response
 * types are interfaces, so their schemas are written here once, each typed by
 * its interface (`objectSchema<JobView>`): a field added to the interface and
 * not here does not compile.
 */
import type { SchemaObject } from '@nestjs/swagger';
import {
  Actor,
  AuditEntryView,
  BulkReplayRequest,
  DeadLetterFilter,
  PurgeDeadLettersRequest,
  ReplayJobRequest,
  CancelJobResult,
  CreateScheduleRequest,
  CreateWebhookRequest,
  DeleteWebhookResult,
  DELIVERY_STATUSES,
  DeliveryAttemptView,
  DeliveryView,
  EVENT_TYPES,
  JOB_STATUSES,
  JobError,
  JobView,
  LedgerEventView,
  LogLine,
  RunEdgeRequest,
  RunJobRequest,
  SubmitJobRequest,
  SubmitRunRequest,
  ScheduleJobTemplate,
  ThrottleReason,
  UpdateScheduleRequest,
  UpdateWebhookRequest,
  WebhookLimits,
  WebhookView,
  WebhookWithSecret,
  CreateBackfillRequest,
  JobWindow,
} from '@orch/contracts';
import { classSchemaWith, objectSchema, orNull, pageSchema, schemaRef, type SchemaConverters } from '@orch/service-kit';
import type { JobLogItem } from './jobs/job-logs.reader';
import type { JobSummary } from './jobs-operations/job-summary';
import { SubmitBatchRequest } from './jobs-operations/submit-batch.request';
import { jobExplanationSchema } from './explain/explain.schema';
import { cancelRunSchema, runPageSchema, runViewSchema, submitRunResultSchema } from './runs/runs.schema';
import { SCHEDULE_SCHEMAS, scheduleResponseSchemas } from './schedules/schedules.schema';
import { limitsResponseSchemas } from './limits/limits.schema';
import { replayResponseSchemas } from './replays/replays.schema';
import { artifactResponseSchemas } from './artifacts/artifacts.schema';
import { backfillResponseSchemas } from './backfills/backfills.schema';

/** Names of the api's schemas in `components.schemas`. */
export const S = {
  submitJob: SubmitJobRequest.name,
  submitBatch: SubmitBatchRequest.name,
  createWebhook: CreateWebhookRequest.name,
  updateWebhook: UpdateWebhookRequest.name,
  job: 'JobView',
  jobPage: 'JobPage',
  jobBatch: 'JobBatch',
  jobEvents: 'JobEventList',
  jobLogs: 'JobLogList',
  summary: 'JobSummary',
  cancelResult: 'CancelJobResult',
  auditPage: 'AuditPage',
  webhook: 'WebhookView',
  webhookWithSecret: 'WebhookWithSecret',
  webhookUpdated: 'WebhookUpdateResult',
  webhookPage: 'WebhookPage',
  webhookDeleted: 'DeleteWebhookResult',
  delivery: 'DeliveryView',
  deliveryPage: 'DeliveryPage',
  jobExplanation: 'JobExplanation',
  submitRun: SubmitRunRequest.name,
  runSubmitted: 'SubmitRunResult',
  run: 'RunView',
  runPage: 'RunPage',
  runCanceled: 'CancelRunResult',
  createSchedule: CreateScheduleRequest.name,
  updateSchedule: UpdateScheduleRequest.name,
  ...SCHEDULE_SCHEMAS,
} as const;

/** Classes validated by the api (request bodies) or carried in its answers, generated from their decorators. */
export const API_REQUEST_CLASSES = [SubmitJobRequest, SubmitBatchRequest, CreateWebhookRequest, UpdateWebhookRequest, ThrottleReason, CreateScheduleRequest, UpdateScheduleRequest, ScheduleJobTemplate, SubmitRunRequest, RunJobRequest, RunEdgeRequest, ReplayJobRequest, BulkReplayRequest, PurgeDeadLettersRequest, DeadLetterFilter, CreateBackfillRequest, JobWindow];

/** The custom constraints of those classes, which the generator cannot see into. */
export const API_SCHEMA_CONVERTERS: SchemaConverters = {
  isWebhookUrl: {
    type: 'string',
    format: 'uri',
    maxLength: WebhookLimits.urlMaxLength,
    description: 'An absolute http(s) URL, without credentials (`user:password@`), whitespace or fragment.',
  },
};

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const uuid = (description?: string): SchemaObject => string(description, { format: 'uuid' });
const integer = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra, ...(description ? { description } : {}) });
const sha256 = (description: string): SchemaObject => string(description, { pattern: '^[0-9a-f]{64}$' });
const jsonObject = (description: string): SchemaObject => ({ type: 'object', description, additionalProperties: true });
const jobStatus: SchemaObject = { type: 'string', enum: [...JOB_STATUSES] };

const actor = objectSchema<Actor>({
  description: 'Who caused it: the token subject and its scopes (`system` for the services themselves).',
  properties: { subject: string(undefined, { examples: ['ops@example.com'] } as SchemaObject), scopes: { type: 'array', items: string() } },
});

const lastError = classSchemaWith<JobError, JobError & { attempt: number }>(JobError, {
  description: "The last failure a worker reported (or the ledger recorded, e.g. an expired lease), with the attempt it ended.",
  properties: { attempt: integer('The attempt that failed.', { minimum: 1 }) },
  optional: ['attempt'],
});

const job = objectSchema<JobView>({
  description: 'A job of the caller\'s tenant as the ledger holds it now.',
  properties: {
    id: uuid('UUIDv7, time-ordered.'),
    tenant: string(),
    project: string(),
    jobType: string(),
    source: orNull(string('The upstream source the job talks to (limits may key on it).')),
    status: jobStatus,
    statusReason: orNull(string('Why the job reached its status (`submitted`, `claimed`, `canceled_by_operator`, …).')),
    throttle: orNull(schemaRef(ThrottleReason.name)),
    priority: integer('0 (lowest) to 9.', { minimum: 0, maximum: 9 }),
    payload: jsonObject('The payload as submitted.'),
    payloadDigest: sha256('SHA-256 of the canonical JSON of `payload`.'),
    result: { description: 'What the worker returned on completion (any JSON), null until then.' },
    lastError: orNull(lastError),
    attempt: integer('The current (or last) attempt, from 1.', { minimum: 1 }),
    maxAttempts: integer(undefined, { minimum: 1 }),
    runAt: orNull(instant('Not before this instant (a `pending` job waits for it).')),
    eligibleAt: orNull(instant('When the job may next be admitted (after a backoff or a throttle).')),
    lease: orNull(
      objectSchema<NonNullable<JobView['lease']>>({
        description: 'The current lease of a `leased` or `running` job.',
        properties: { leaseId: uuid(), fencingToken: integer(undefined, { minimum: 1 }), expiresAt: instant(), workerId: string() },
      }),
    ),
    progress: orNull(
      objectSchema<NonNullable<JobView['progress']>>({
        properties: { percent: orNull({ type: 'number', minimum: 0, maximum: 100 }), message: orNull(string()) },
      }),
    ),
    cancel: orNull(
      objectSchema<NonNullable<JobView['cancel']>>({
        description: 'Set once an operator asked to cancel the job while it was leased or running.',
        properties: { requestedAt: instant(), reason: string('`X-Orch-Reason` of the cancel.'), deadline: orNull(instant('The end of the grace period.')) },
      }),
    ),
    deadlineAt: orNull(instant("When the running attempt must be done: its start plus the job type's execution timeout (`JOB_TIMEOUTS`); null without one.")),
    correlationId: string(),
    idempotencyKey: string('The Idempotency-Key the job was submitted with (`<batch key>#<index>` for a batch item, `<run key>#<job key>` for a run\'s job).'),
    runId: orNull(uuid('The DAG run the job belongs to (`POST /api/v1/runs`), or null.')),
    replayOf: orNull(uuid('The job this one replays (`POST /api/v1/jobs/{id}/replay`, `POST /api/v1/dead-letters/replay`), or null.')),
    window: orNull(
      objectSchema<NonNullable<JobView['window']>>({
        description: 'The event-time window `[from, to)` the job processes (backfill jobs, and live jobs that declare one).',
        properties: { from: instant(), to: instant() },
      }),
    ),
    backfillId: orNull(uuid('The backfill that created the job (`POST /api/v1/backfills`), or null.')),
    createdAt: instant(),
    updatedAt: instant(),
    startedAt: orNull(instant()),
    finishedAt: orNull(instant()),
  },
});

const ledgerEvent = objectSchema<LedgerEventView>({
  description: 'One ledger event: hash-chained per tenant (`hash = sha256(prevHash + "\\n" + canonical event)`).',
  properties: {
    id: uuid(),
    tenant: string(),
    seq: integer('Position in the tenant chain.', { minimum: 1 }),
    project: string(),
    jobId: uuid(),
    eventType: { type: 'string', enum: [...EVENT_TYPES] },
    attempt: integer(undefined, { minimum: 1 }),
    occurredAt: instant(),
    actor,
    data: jsonObject('Event details (the transition reason, the error of a failure, …).'),
    prevHash: sha256('Hash of the previous event of the tenant.'),
    hash: sha256('Hash of this event.'),
  },
});

const logItem = classSchemaWith<LogLine, JobLogItem>(LogLine, {
  description: 'A log line a worker published.',
  properties: { seq: integer('LOGS stream sequence: a stable, increasing position.', { minimum: 1 }) },
});

const counts = (description: string): SchemaObject => ({ type: 'object', description, additionalProperties: integer(undefined, { minimum: 0 }) });
const summary = objectSchema<JobSummary>({
  properties: {
    total: integer(undefined, { minimum: 0 }),
    byStatus: {
      type: 'object',
      description: 'Every status, zeros included.',
      required: [...JOB_STATUSES],
      properties: Object.fromEntries(JOB_STATUSES.map((s) => [s, integer(undefined, { minimum: 0 })])),
    },
    byJobType: counts('Job types with at least one job, in name order.'),
    byJobTypeAndStatus: { type: 'object', description: 'Per job type, its non-zero statuses.', additionalProperties: counts('Status → count.') },
  },
});

const audit = objectSchema<AuditEntryView>({
  description: 'One entry of the tenant\'s audit log (append-only, hash-chained like job events).',
  properties: {
    tenant: string(),
    seq: integer(undefined, { minimum: 1 }),
    project: orNull(string()),
    id: uuid(),
    occurredAt: instant(),
    actor,
    action: string('`<noun>.<verb>`: `job.cancel`, `webhook.create`, …'),
    targetType: string(),
    targetId: string(),
    reason: string('`X-Orch-Reason`.'),
    ticket: orNull(string('`X-Orch-Ticket`.')),
    before: orNull(jsonObject('The target before the change.')),
    after: orNull(jsonObject('The target after the change.')),
    prevHash: sha256('Hash of the previous entry.'),
    hash: sha256('Hash of this entry.'),
  },
});

const webhook = objectSchema<WebhookView>({
  description: 'A webhook endpoint (never with its secret).',
  properties: {
    id: uuid(),
    tenant: string(),
    url: string(undefined, { format: 'uri' }),
    projects: orNull({ type: 'array', items: string(), description: 'null: every project.' }),
    eventTypes: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] }, description: 'Empty: every event type.' },
    description: orNull(string()),
    enabled: { type: 'boolean' },
    createdAt: instant(),
    createdBy: string('The operator subject that created it.'),
    updatedAt: instant(),
  },
});

const secret = string('HMAC-SHA256 signing secret of `X-Orch-Signature`. Shown only here: store it.');

const attempt = objectSchema<DeliveryAttemptView>({
  properties: {
    attempt: integer(undefined, { minimum: 1 }),
    startedAt: instant(),
    durationMs: integer(undefined, { minimum: 0 }),
    statusCode: orNull(integer('null when no HTTP answer came (network error, timeout).')),
    error: orNull(string()),
    responseExcerpt: orNull(string(`First bytes of the response body (at most ${WebhookLimits.responseExcerptMaxBytes}).`)),
  },
});

const delivery = objectSchema<DeliveryView>({
  description: 'One event to one webhook.',
  properties: {
    id: uuid(),
    webhookId: uuid(),
    eventId: uuid(),
    eventType: string(),
    status: { type: 'string', enum: [...DELIVERY_STATUSES] },
    attempts: integer('Attempts started, across redeliveries.', { minimum: 0 }),
    nextAttemptAt: orNull(instant('When the next attempt is due; null once succeeded or dead.')),
    lastStatusCode: orNull(integer()),
    lastError: orNull(string()),
    createdAt: instant(),
    updatedAt: instant(),
    attemptLog: { type: 'array', items: attempt, description: 'The recorded attempts, oldest first.' },
  },
});

/** The response schemas, for `setupOpenApi`'s `schemas`. */
export function apiResponseSchemas(): Record<string, SchemaObject> {
  return {
    [S.job]: job,
    [S.jobPage]: pageSchema(schemaRef(S.job), 'A page of jobs, newest first.'),
    [S.jobBatch]: objectSchema<{ jobs: JobView[] }>({ properties: { jobs: { type: 'array', items: schemaRef(S.job), description: 'In item order.' } } }),
    [S.jobEvents]: objectSchema<{ items: LedgerEventView[] }>({ properties: { items: { type: 'array', items: ledgerEvent, description: 'In chain order.' } } }),
    [S.jobLogs]: objectSchema<{ items: JobLogItem[] }>({ properties: { items: { type: 'array', items: logItem, description: 'Oldest first.' } } }),
    [S.summary]: summary,
    [S.cancelResult]: objectSchema<CancelJobResult>({
      properties: { job: schemaRef(S.job), changed: { type: 'boolean', description: 'False when the job was already terminal or already cancel-requested.' } },
    }),
    [S.auditPage]: pageSchema(audit, 'A page of audit entries, newest first.'),
    [S.webhook]: webhook,
    [S.webhookWithSecret]: { allOf: [schemaRef(S.webhook), objectSchema<Pick<WebhookWithSecret, 'secret'>>({ properties: { secret } })] },
    [S.webhookUpdated]: {
      allOf: [schemaRef(S.webhook), objectSchema<{ secret?: string }>({ properties: { secret: string('The new secret, present only when `rotateSecret` was true.') }, optional: ['secret'] })],
    },
    [S.webhookPage]: pageSchema(schemaRef(S.webhook), 'A page of webhooks, newest first.'),
    [S.webhookDeleted]: objectSchema<DeleteWebhookResult>({ properties: { webhookId: uuid(), deleted: { type: 'boolean', enum: [true] } } }),
    [S.delivery]: delivery,
    [S.deliveryPage]: pageSchema(schemaRef(S.delivery), 'A page of deliveries, newest first, each with its attempts.'),
    [S.jobExplanation]: jobExplanationSchema,
    [S.runSubmitted]: submitRunResultSchema,
    [S.run]: runViewSchema,
    [S.runPage]: runPageSchema,
    [S.runCanceled]: cancelRunSchema,
    ...scheduleResponseSchemas(),
    ...limitsResponseSchemas(),
    ...replayResponseSchemas(),
    ...artifactResponseSchemas(),
    ...backfillResponseSchemas(),
  };
}
