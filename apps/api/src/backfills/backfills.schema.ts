/**
 * OpenAPI schemas and examples of `/api/v1/backfills`, typed by the interfaces the routes return
 * (registered in openapi-schemas.ts).
 */
import type { SchemaObject } from '@nestjs/swagger';
import { BackfillEstimateView, BackfillSliceView, BackfillStates, BackfillView, JOB_STATUSES } from '@orch/contracts';
import { objectSchema, orNull, pageSchema, schemaRef } from '@orch/service-kit';
import type { BackfillControlled, BackfillCreated, BackfillDryRun } from './backfills.service';

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const uuid = (description?: string): SchemaObject => string(description, { format: 'uuid' });
const count = (description?: string): SchemaObject => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) });

/** Names of these schemas in `components.schemas`. */
export const BACKFILL_SCHEMAS = {
  backfill: 'BackfillView',
  page: 'BackfillPage',
  dryRun: 'BackfillDryRun',
  created: 'BackfillCreated',
  controlled: 'BackfillControlled',
} as const;

const slice = objectSchema<BackfillSliceView>({
  description: 'One slice `[from, to)` of the window and what a run does with it.',
  properties: {
    from: instant(),
    to: instant(),
    action: { type: 'string', enum: ['create', 'skip'] },
    skip: { type: 'string', enum: ['watermark', 'covered_by_jobs'], description: '`watermark`: the source\'s watermark is at or past its end; `covered_by_jobs`: jobs not failed, canceled or timed out cover it whole.' },
    coveredBy: { type: 'array', items: uuid(), description: 'The jobs whose windows overlap it (`covered_by_jobs`).' },
  },
  optional: ['skip', 'coveredBy'],
});

const estimate = objectSchema<BackfillEstimateView>({
  description: 'How long the jobs to create would take under the limits in force now, if nothing else competed (live traffic shares the limits: a lower bound).',
  properties: {
    seconds: orNull({ type: 'integer', minimum: 0, description: 'null when no limit bounds it and no job of the type has run yet.' }),
    boundBy: orNull(string('`rate:<rule>`, `concurrency:<rule>`, `quota_hour:<rule>` or `quota_day:<rule>`.')),
    meanRunSeconds: orNull({ type: 'number', minimum: 0, description: "Mean run time of the job type's last 100 succeeded jobs (the concurrency bound uses it)." }),
    detail: string(),
  },
});

const backfill = objectSchema<BackfillView>({
  description: 'A backfill of the caller\'s tenant with its progress.',
  properties: {
    id: uuid(),
    tenant: string(),
    project: string(),
    source: string(),
    jobType: string(),
    from: instant('Start of the event-time window (inclusive).'),
    to: instant('End of the window (exclusive).'),
    slice: string('The slice length, ISO 8601 (`PT1H`).'),
    priority: { type: 'integer', minimum: 0, maximum: 9 },
    maxAttempts: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: [...BackfillStates, 'succeeded', 'failed'], description: '`active`, `paused`, `canceled`; once every job ended, `succeeded` or `failed` (a job failed or timed out).' },
    slices: count('Slices in the window.'),
    created: count('Jobs created (one per slice not skipped).'),
    skipped: count('Slices skipped when it was created.'),
    jobs: { type: 'object', description: 'Its jobs by status.', properties: Object.fromEntries(JOB_STATUSES.map((s) => [s, count()])), additionalProperties: false },
    progressPercent: { type: 'number', minimum: 0, maximum: 100, description: 'Finished jobs / created jobs × 100.' },
    watermark: orNull(instant("The source's watermark for the job type now: event time up to which jobs succeeded without a gap.")),
    reason: string('`X-Orch-Reason` of its creation.'),
    ticket: string('`X-Orch-Ticket` of its creation.'),
    createdBy: string('The token subject that created it.'),
    createdAt: instant(),
    updatedAt: instant(),
  },
});

/** The response schemas, for `apiResponseSchemas`. */
export function backfillResponseSchemas(): Record<string, SchemaObject> {
  return {
    [BACKFILL_SCHEMAS.backfill]: backfill,
    [BACKFILL_SCHEMAS.page]: pageSchema(schemaRef(BACKFILL_SCHEMAS.backfill), 'A page of backfills, newest first.'),
    [BACKFILL_SCHEMAS.dryRun]: objectSchema<BackfillDryRun>({
      description: 'What a real run with this body would create and skip now, and how long it would take. Nothing was written.',
      properties: {
        dryRun: { type: 'boolean', enum: [true] },
        source: string(),
        jobType: string(),
        from: instant(),
        to: instant(),
        slice: string(),
        priority: { type: 'integer', minimum: 0, maximum: 9 },
        slices: { type: 'array', items: slice, description: 'Every slice, in time order.' },
        create: count('Jobs a real run would create.'),
        skipped: count(),
        watermark: orNull(instant()),
        estimate,
      },
    }),
    [BACKFILL_SCHEMAS.created]: objectSchema<BackfillCreated>({
      properties: { created: { type: 'boolean', description: 'False on an idempotent replay of the key and body.' }, backfill: schemaRef(BACKFILL_SCHEMAS.backfill) },
    }),
    [BACKFILL_SCHEMAS.controlled]: objectSchema<BackfillControlled>({
      properties: {
        backfillId: uuid(),
        state: { type: 'string', enum: [...BackfillStates] },
        changed: { type: 'boolean', description: 'False when it already was in that state (cancel: and nothing was left to cancel).' },
        canceled: { type: 'array', items: uuid(), description: 'cancel: jobs ended now.' },
        cancelRequested: { type: 'array', items: uuid(), description: 'cancel: leased or running jobs asked to stop (they end when their worker stops, or at the grace deadline).' },
        backfill: schemaRef(BACKFILL_SCHEMAS.backfill),
      },
      optional: ['canceled', 'cancelRequested'],
    }),
  };
}

export const BACKFILL_EXAMPLE_ID = '01a27c10-4b2e-7d3f-8a90-5c6d7e8f9a0b';

export const createBackfillExample = {
  project: 'ingest',
  jobType: 'nvd.sync',
  source: 'nvd.nist.gov',
  from: '2026-11-01T00:00:00Z',
  to: '2026-11-02T00:00:00Z',
  slice: 'PT1H',
  payload: { feed: 'cve-2026' },
};

export const backfillExample: BackfillView = {
  id: BACKFILL_EXAMPLE_ID,
  tenant: 'acme',
  project: 'ingest',
  source: 'nvd.nist.gov',
  jobType: 'nvd.sync',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-02T00:00:00.000Z',
  slice: 'PT1H',
  priority: 2,
  maxAttempts: 3,
  status: 'active',
  slices: 24,
  created: 18,
  skipped: 6,
  jobs: { succeeded: 7, running: 2, queued: 9 },
  progressPercent: 38.9,
  watermark: '2026-11-01T13:00:00.000Z',
  reason: 'NVD outage 2026-11-01: refetch the day',
  ticket: 'OPS-1042',
  createdBy: 'ops@example.com',
  createdAt: '2026-12-07T09:00:00.000Z',
  updatedAt: '2026-12-07T09:00:00.000Z',
};

export const dryRunExample: BackfillDryRun = {
  dryRun: true,
  source: 'nvd.nist.gov',
  jobType: 'nvd.sync',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-01T03:00:00.000Z',
  slice: 'PT1H',
  priority: 2,
  slices: [
    { from: '2026-11-01T00:00:00.000Z', to: '2026-11-01T01:00:00.000Z', action: 'skip', skip: 'watermark' },
    { from: '2026-11-01T01:00:00.000Z', to: '2026-11-01T02:00:00.000Z', action: 'skip', skip: 'covered_by_jobs', coveredBy: ['01a27c0f-0000-7000-8000-000000000001'] },
    { from: '2026-11-01T02:00:00.000Z', to: '2026-11-01T03:00:00.000Z', action: 'create' },
  ],
  create: 1,
  skipped: 2,
  watermark: '2026-11-01T01:00:00.000Z',
  estimate: { seconds: 0, boundBy: 'rate:nvd-60-per-min', meanRunSeconds: 4.2, detail: 'at least 0 s, bound by rate rule nvd-60-per-min; live traffic under the same limits makes it longer' },
};
