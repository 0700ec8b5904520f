/**
 * OpenAPI schemas and examples of replays and `/api/v1/dead-letters`, typed by the interfaces
 * the routes return (registered in openapi-schemas.ts).
 */
import type { SchemaObject } from '@nestjs/swagger';
import {
  BulkDeadLetterResult,
  DeadLetterDetail,
  DeadLetterLimits,
  DeadLetterStats,
  DeadLetterView,
  ErrorCluster,
  JOB_STATUSES,
  ReplayedJob,
  ReplayJobResult,
  ReplaySkipReason,
  SkippedJob,
} from '@orch/contracts';
import { objectSchema, orNull, pageSchema, schemaRef } from '@orch/service-kit';
import { EXAMPLE_JOB_ID, exampleJob } from '../openapi-examples';

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const uuid = (description?: string): SchemaObject => string(description, { format: 'uuid' });
const integer = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra, ...(description ? { description } : {}) });
const count = (description?: string): SchemaObject => integer(description, { minimum: 0 });

/** Names of these schemas in `components.schemas`. */
export const REPLAY_SCHEMAS = {
  replayed: 'ReplayJobResult',
  deadLetter: 'DeadLetterView',
  deadLetterPage: 'DeadLetterPage',
  deadLetterDetail: 'DeadLetterDetail',
  deadLetterStats: 'DeadLetterStats',
  bulkResult: 'BulkDeadLetterResult',
} as const;

const deadLetter = objectSchema<DeadLetterView>({
  description: 'A job that ended for good (attempts exhausted, not retryable, timed out) and waits in the dead-letter set.',
  properties: {
    jobId: uuid(),
    project: string(),
    jobType: string(),
    attempt: integer('The attempt that ended it.', { minimum: 1 }),
    reason: string('`attempts_exhausted`, `non_retryable`, `lease_expired`, …'),
    errorCode: orNull(string('The last error\'s code, as the worker reported it.')),
    errorMessage: orNull(string()),
    deadLetteredAt: instant(),
    replayedAs: orNull(uuid('The job that replayed it; null while it is open.')),
    replayedAt: orNull(instant()),
  },
});

const replayedJob = objectSchema<ReplayedJob>({ properties: { replayOf: uuid('The original.'), jobId: uuid('The new job.'), status: { type: 'string', enum: [...JOB_STATUSES] } } });
const skippedJob = objectSchema<SkippedJob>({
  description: 'A selected job left alone, and why.',
  properties: { jobId: uuid(), reason: { type: 'string', enum: Object.values(ReplaySkipReason) } },
});

const cluster = objectSchema<ErrorCluster>({
  description: 'Dead letters whose error code and message shape agree (ids, numbers and quoted values replaced).',
  properties: {
    errorCode: orNull(string()),
    message: orNull(string('e.g. `upstream answered <n> for <id>`.')),
    count: count(),
    jobTypes: { type: 'array', items: string(), description: 'Most frequent first.' },
    firstAt: instant(),
    lastAt: instant(),
    sampleJobIds: { type: 'array', items: uuid(), maxItems: 3, description: 'Newest first.' },
  },
});

/** The response schemas, for `apiResponseSchemas`. */
export function replayResponseSchemas(): Record<string, SchemaObject> {
  return {
    [REPLAY_SCHEMAS.replayed]: objectSchema<ReplayJobResult>({ properties: { replayOf: uuid('The job replayed.'), job: schemaRef('JobView') } }),
    [REPLAY_SCHEMAS.deadLetter]: deadLetter,
    [REPLAY_SCHEMAS.deadLetterPage]: pageSchema(schemaRef(REPLAY_SCHEMAS.deadLetter), 'A page of dead letters, newest first.'),
    [REPLAY_SCHEMAS.deadLetterDetail]: objectSchema<DeadLetterDetail>({ properties: { deadLetter: schemaRef(REPLAY_SCHEMAS.deadLetter), job: schemaRef('JobView') } }),
    [REPLAY_SCHEMAS.deadLetterStats]: objectSchema<DeadLetterStats>({
      properties: {
        total: count(),
        open: count('Never replayed.'),
        replayed: count(),
        byJobType: { type: 'array', items: objectSchema<DeadLetterStats['byJobType'][number]>({ properties: { jobType: string(), count: count(), open: count() } }) },
        byReason: { type: 'array', items: objectSchema<DeadLetterStats['byReason'][number]>({ properties: { reason: string(), count: count() } }) },
        topErrors: { type: 'array', items: cluster, maxItems: DeadLetterLimits.topErrorsMax, description: 'Largest clusters of open dead letters first.' },
      },
    }),
    [REPLAY_SCHEMAS.bulkResult]: objectSchema<BulkDeadLetterResult>({
      properties: {
        dryRun: { type: 'boolean' },
        matched: count('Dead letters the filter selected (at most `limit`).'),
        sampleJobIds: { type: 'array', items: uuid(), maxItems: DeadLetterLimits.dryRunSample, description: 'Dry run: the first selected (oldest first). Real run: empty.' },
        replayed: { type: 'array', items: replayedJob, description: 'Real replay: the replays made.' },
        purged: { type: 'array', items: uuid(), description: 'Real purge: the dead letters removed.' },
        skipped: { type: 'array', items: skippedJob, description: 'Real run: selected but left alone (e.g. replayed meanwhile by another call).' },
      },
      optional: ['replayed', 'purged', 'skipped'],
    }),
  };
}

const REPLAY_ID = '01a26b3e-8f00-7c3a-9d51-7e2f4a9c0b11';
const DL_TIME = '2026-12-07T09:14:03.120Z';

export const exampleDeadLetter: DeadLetterView = {
  jobId: EXAMPLE_JOB_ID,
  project: 'ingest',
  jobType: 'nvd.sync',
  attempt: 5,
  reason: 'attempts_exhausted',
  errorCode: 'upstream_503',
  errorMessage: 'upstream answered 503 (Service Unavailable)',
  deadLetteredAt: DL_TIME,
  replayedAs: null,
  replayedAt: null,
};

export const replayJobExample: ReplayJobResult = {
  replayOf: EXAMPLE_JOB_ID,
  job: exampleJob({ id: REPLAY_ID, replayOf: EXAMPLE_JOB_ID, idempotencyKey: `replay:${EXAMPLE_JOB_ID}:01a26b3e-8f00-7c3a-9d51-7e2f4a9c0b00` }),
};

export const deadLetterStatsExample: DeadLetterStats = {
  total: 1_204,
  open: 1_180,
  replayed: 24,
  byJobType: [
    { jobType: 'nvd.sync', count: 1_150, open: 1_130 },
    { jobType: 'ghsa.sync', count: 54, open: 50 },
  ],
  byReason: [
    { reason: 'attempts_exhausted', count: 1_190 },
    { reason: 'non_retryable', count: 14 },
  ],
  topErrors: [
    {
      errorCode: 'upstream_503',
      message: 'upstream answered <n> (Service Unavailable)',
      count: 1_100,
      jobTypes: ['nvd.sync'],
      firstAt: '2026-12-07T08:02:11.000Z',
      lastAt: DL_TIME,
      sampleJobIds: [EXAMPLE_JOB_ID],
    },
  ],
};

export const bulkDryRunExample: BulkDeadLetterResult = { dryRun: true, matched: 1_000, sampleJobIds: [EXAMPLE_JOB_ID] };
export const bulkReplayExample: BulkDeadLetterResult = {
  dryRun: false,
  matched: 2,
  sampleJobIds: [],
  replayed: [{ replayOf: EXAMPLE_JOB_ID, jobId: REPLAY_ID, status: 'queued' }],
  skipped: [{ jobId: '01a26b3e-8f00-7c3a-9d51-7e2f4a9c0b22', reason: 'already_replayed' }],
};
export const purgeExample: BulkDeadLetterResult = { dryRun: false, matched: 1, sampleJobIds: [], purged: [EXAMPLE_JOB_ID], skipped: [] };
