/**
 * Example bodies of the api's OpenAPI document, typed by the same interfaces
 * the routes return, so an example cannot show a field that does not exist.
 */
import type { AuditEntryView, CancelJobResult, DeliveryView, JobView, LedgerEventView, WebhookView } from '@orch/contracts';
import type { JsonExample } from '@orch/service-kit';
import type { JobLogItem } from './jobs/job-logs.reader';
import type { JobSummary } from './jobs-operations/job-summary';
import type { ApiPage } from './webhooks/webhooks.service';

/** The job id of the examples. */
export const EXAMPLE_JOB_ID = '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01';
const SECOND_JOB_ID = '0190d6f0-3c1b-7a21-8f00-2b7c51d0e9a4';
const WEBHOOK_ID = '0190d6f1-0a2b-7c3d-8e4f-5a6b7c8d9e0f';
const DELIVERY_ID = '0190d6f2-7b1c-7d2e-9f3a-4b5c6d7e8f90';
const HASH_A = '9f2b5c0e7d4a1f8b3c6e9d2a5f8b1c4e7d0a3f6b9c2e5d8a1f4b7c0e3d6a9f2b';
const HASH_B = '3e8c1f6a9d2b5e8c1f4a7d0b3e6c9f2a5d8b1e4c7f0a3d6b9e2c5f8a1d4b7e0c';
/** A `page_token` of the shape the api issues (opaque to clients). */
export const EXAMPLE_PAGE_TOKEN = 'WyIyMDI2LTExLTIzVDEwOjE1OjAwLjEyMzQ1NloiLCIwMTkwZDZmMC0zYzFhLTdjNGUtOWE1NS00ZjZkMmI4ZTFhMDEiXQ';

/** The submit body of most examples. */
export const EXAMPLE_SUBMIT = { project: 'ingest', jobType: 'nvd.sync', source: 'nvd.nist.gov', payload: { feed: 'cve-2026', since: '2026-11-22' }, priority: 6 };

/** A queued job of tenant `acme`, with `overrides`. */
export function exampleJob(overrides: Partial<JobView> = {}): JobView {
  return {
    id: EXAMPLE_JOB_ID,
    tenant: 'acme',
    project: 'ingest',
    jobType: 'nvd.sync',
    source: 'nvd.nist.gov',
    status: 'queued',
    statusReason: 'submitted',
    throttle: null,
    priority: 6,
    payload: EXAMPLE_SUBMIT.payload,
    payloadDigest: HASH_A,
    result: null,
    lastError: null,
    attempt: 1,
    maxAttempts: 3,
    runAt: null,
    eligibleAt: null,
    lease: null,
    progress: null,
    cancel: null,
    correlationId: '0190d6f0-3c19-7000-8000-000000000001',
    idempotencyKey: 'order-42-submit',
    runId: null,
    replayOf: null,
    window: null,
    backfillId: null,
    deadlineAt: null,
    createdAt: '2026-11-23T10:15:00.123Z',
    updatedAt: '2026-11-23T10:15:00.123Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

const runningJob = exampleJob({
  status: 'running',
  statusReason: 'started',
  lease: { leaseId: '0190d6f0-5d00-7e00-8a00-00000000000a', fencingToken: 1, expiresAt: '2026-11-23T10:16:30.000Z', workerId: 'worker-7' },
  progress: { percent: 40, message: 'page 4 of 10' },
  startedAt: '2026-11-23T10:15:01.020Z',
  updatedAt: '2026-11-23T10:15:41.500Z',
});

/** A job, queued and running. */
export const jobExamples = {
  queued: { summary: 'A queued job', value: exampleJob() },
  running: { summary: 'A running job with a lease and progress', value: runningJob },
} satisfies Record<string, JsonExample>;

/** Bodies of `POST /api/v1/jobs`. */
export const submitExamples = {
  minimal: { summary: 'The required fields', value: { project: 'ingest', jobType: 'nvd.sync', payload: { feed: 'cve-2026' } } },
  full: { summary: 'With source, priority, attempts and a start time', value: { ...EXAMPLE_SUBMIT, maxAttempts: 5, runAt: '2026-11-24T02:00:00Z' } },
} satisfies Record<string, JsonExample>;

/** Pages of `GET /api/v1/jobs`: one with more to come, the last one. */
export const jobPageExamples = {
  firstPage: {
    summary: 'First page (`?page_size=2`): more follow',
    description: 'Ask for the next page with `?page_size=2&page_token=<next_page_token>`.',
    value: { items: [runningJob, exampleJob({ id: SECOND_JOB_ID, idempotencyKey: 'order-41-submit', createdAt: '2026-11-23T10:14:00.000Z' })], next_page_token: EXAMPLE_PAGE_TOKEN },
  },
  lastPage: { summary: 'Last page: `next_page_token` is null', value: { items: [exampleJob({ id: SECOND_JOB_ID })], next_page_token: null } },
} satisfies Record<string, JsonExample>;

const event = (seq: number, eventType: string, data: Record<string, unknown>, prevHash: string, hash: string): LedgerEventView => ({
  id: `0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1b0${seq}`,
  tenant: 'acme',
  seq,
  project: 'ingest',
  jobId: EXAMPLE_JOB_ID,
  eventType,
  attempt: 1,
  occurredAt: '2026-11-23T10:15:00.123Z',
  actor: { subject: 'ci-producer', scopes: ['orch:read', 'orch:operate'] },
  data,
  prevHash,
  hash,
});

/** `GET /api/v1/jobs/{id}/events`. */
export const eventsExample = {
  chain: {
    summary: 'Created, then queued',
    value: { items: [event(41, 'job.created', { reason: 'submitted' }, HASH_B, HASH_A), event(42, 'job.queued', { reason: 'submitted' }, HASH_A, HASH_B)] },
  },
} satisfies Record<string, JsonExample<{ items: LedgerEventView[] }>>;

const logLine = (seq: number, level: JobLogItem['level'], message: string): JobLogItem => ({ seq, jobId: EXAMPLE_JOB_ID, attempt: 1, level, message, ts: '2026-11-23T10:15:02.000Z' });
/** `GET /api/v1/jobs/{id}/logs`. */
export const logsExample = {
  lines: { summary: 'Two lines', value: { items: [logLine(118, 'info', 'fetching page 1'), logLine(121, 'warn', 'upstream 429, backing off 2 s')] } },
} satisfies Record<string, JsonExample<{ items: JobLogItem[] }>>;

const summaryValue: JobSummary = {
  total: 12,
  byStatus: { pending: 1, queued: 3, throttled: 0, leased: 0, running: 2, succeeded: 5, failed: 1, canceled: 0, timed_out: 0 },
  byJobType: { 'ghsa.sync': 4, 'nvd.sync': 8 },
  byJobTypeAndStatus: { 'ghsa.sync': { queued: 1, succeeded: 3 }, 'nvd.sync': { pending: 1, queued: 2, running: 2, succeeded: 2, failed: 1 } },
};
/** `GET /api/v1/jobs/summary`. */
export const summaryExample = { summary: { summary: 'Twelve jobs of two types', value: summaryValue } } satisfies Record<string, JsonExample>;

/** `POST /api/v1/jobs/batch`: the body and the answer. */
export const batchExamples = {
  request: { summary: 'Two jobs, all or none', value: { jobs: [EXAMPLE_SUBMIT, { project: 'ingest', jobType: 'ghsa.sync', payload: { ecosystem: 'npm' } }] } },
  created: {
    summary: 'Both created, in item order',
    value: { jobs: [exampleJob({ idempotencyKey: 'batch-7#0' }), exampleJob({ id: SECOND_JOB_ID, jobType: 'ghsa.sync', source: null, idempotencyKey: 'batch-7#1' })] },
  },
} satisfies Record<string, JsonExample>;

/** `POST /api/v1/jobs/{id}/cancel`: the three outcomes. */
export const cancelExamples = {
  canceled: { summary: 'A queued job ends canceled at once', value: { job: exampleJob({ status: 'canceled', statusReason: 'canceled_by_operator', finishedAt: '2026-11-23T10:20:00.000Z' }), changed: true } },
  requested: {
    summary: 'A running job gets a cancel request and a grace period',
    value: { job: { ...runningJob, cancel: { requestedAt: '2026-11-23T10:20:00.000Z', reason: 'customer asked to stop the import', deadline: '2026-11-23T10:20:30.000Z' } }, changed: true },
  },
  unchanged: { summary: 'Already terminal: nothing changes', value: { job: exampleJob({ status: 'succeeded', statusReason: 'completed' }), changed: false } },
} satisfies Record<string, JsonExample<CancelJobResult>>;

const auditEntry: AuditEntryView = {
  tenant: 'acme',
  seq: 7,
  project: 'ingest',
  id: '0190d6f3-1111-7222-8333-444455556666',
  occurredAt: '2026-11-23T10:20:00.000Z',
  actor: { subject: 'ops@example.com', scopes: ['orch:read', 'orch:operate'] },
  action: 'job.cancel',
  targetType: 'job',
  targetId: EXAMPLE_JOB_ID,
  reason: 'customer asked to stop the import',
  ticket: 'OPS-1234',
  before: { status: 'queued' },
  after: { status: 'canceled' },
  prevHash: HASH_B,
  hash: HASH_A,
};
/** `GET /api/v1/audit`. */
export const auditPageExample = {
  page: { summary: 'A page with more to come', value: { items: [auditEntry], next_page_token: 'YS42' } },
} satisfies Record<string, JsonExample<ApiPage<AuditEntryView>>>;

/** A webhook of tenant `acme`. */
export const exampleWebhook: WebhookView = {
  id: WEBHOOK_ID,
  tenant: 'acme',
  url: 'https://hooks.example.com/orch',
  projects: ['ingest'],
  eventTypes: ['job.failed', 'job.dead_lettered'],
  description: 'pager for failed ingests',
  enabled: true,
  createdAt: '2026-11-23T09:00:00.000Z',
  createdBy: 'ops@example.com',
  updatedAt: '2026-11-23T09:00:00.000Z',
};
/** A signing secret of the shape the event-notifier makes. */
export const EXAMPLE_SECRET = 'whsec_4f1c9a7e2b8d6f3a0c5e9b2d7f4a1c8e';

/** Bodies of `POST /api/v1/webhooks`. */
export const createWebhookExamples = {
  request: {
    summary: 'Failures of one project',
    value: { url: exampleWebhook.url, projects: exampleWebhook.projects, eventTypes: exampleWebhook.eventTypes, description: exampleWebhook.description },
  },
} satisfies Record<string, JsonExample>;

/** Bodies of `PATCH /api/v1/webhooks/{id}`. */
export const updateWebhookExamples = {
  disable: { summary: 'Disable it', value: { enabled: false } },
  rotate: { summary: 'Rotate the secret', value: { rotateSecret: true } },
  clear: { summary: 'Every project, every event type', value: { projects: null, eventTypes: [] } },
} satisfies Record<string, JsonExample>;

/** A dead delivery, after its last attempt. */
export const exampleDelivery: DeliveryView = {
  id: DELIVERY_ID,
  webhookId: WEBHOOK_ID,
  eventId: '0190d6f0-9999-7aaa-8bbb-cccccccccccc',
  eventType: 'job.failed',
  status: 'dead',
  attempts: 8,
  nextAttemptAt: null,
  lastStatusCode: 503,
  lastError: 'HTTP 503',
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T11:30:00.000Z',
  attemptLog: [{ attempt: 8, startedAt: '2026-11-23T11:29:59.800Z', durationMs: 180, statusCode: 503, error: 'HTTP 503', responseExcerpt: 'Service Unavailable' }],
};
