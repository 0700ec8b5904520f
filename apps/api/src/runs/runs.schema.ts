import type { SchemaObject } from '@nestjs/swagger';
import { JOB_STATUSES, RunFailurePolicies, RunJobView, RunRecordView, RunStatusValue, RunView, SubmitRunResult } from '@orch/contracts';
import { objectSchema, orNull, pageSchema, schemaRef } from '@orch/service-kit';
import type { CancelRunView } from './runs.service';

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const uuid = (description?: string): SchemaObject => string(description, { format: 'uuid' });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const count = (description?: string): SchemaObject => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) });
const jobStatus: SchemaObject = { type: 'string', enum: [...JOB_STATUSES] };
const RUN_STATUSES: RunStatusValue[] = ['pending', 'running', 'succeeded', 'failed', 'canceled'];
const runStatus = string('Aggregated from the jobs: `pending` (none started), `running`, then `succeeded`, `failed` (some job failed or timed out) or `canceled`.', {
  enum: RUN_STATUSES,
});
const keyEdge = objectSchema<{ from: string; to: string }>({ description: '`from` (parent) before `to` (child), by job key.', properties: { from: string(), to: string() } });

const recordProperties = {
  id: uuid('UUIDv7.'),
  tenant: string(),
  project: string("The jobs' project, or `*` when they span several."),
  failurePolicy: string('What a job ending failed, canceled or timed out does to the jobs waiting on it.', { enum: [...RunFailurePolicies] }),
  correlationId: string(),
  idempotencyKey: string('The Idempotency-Key the run was submitted with; each job\'s is `<run key>#<job key>`.'),
  createdAt: instant(),
  jobCount: count(),
  replayOf: orNull(uuid('The run this one replays (`POST /api/v1/runs/{id}/replay`), or null.')),
};

const runRecord = objectSchema<RunRecordView>({ description: 'A DAG run (without its jobs).', properties: recordProperties });

const runJob = objectSchema<RunJobView>({
  description: 'A job of the run with its state.',
  properties: {
    key: string('The client-chosen key, unique in the run.'),
    id: uuid('The job id (see `GET /api/v1/jobs/{id}`).'),
    jobType: string(),
    project: string(),
    status: jobStatus,
    statusReason: orNull(string('`waiting_parents`, `parents_resolved`, `parent_failed`, or any job reason.')),
    attempt: count(),
    maxAttempts: count(),
    dependsOn: { type: 'array', items: string(), description: 'Keys of its parents.' },
    createdAt: instant(),
    startedAt: orNull(instant()),
    finishedAt: orNull(instant()),
    durationMs: orNull(count('Finished: its run time; running: elapsed so far; null before it started.')),
  },
});

/** Schema of `POST /api/v1/runs` answers. */
export const submitRunResultSchema = objectSchema<SubmitRunResult>({
  description: 'The run, and its jobs in request order with their ids and first states (roots `queued`, the others `pending`).',
  properties: {
    created: { type: 'boolean', description: 'False on an idempotent replay.' },
    run: runRecord,
    jobs: {
      type: 'array',
      items: objectSchema<SubmitRunResult['jobs'][number]>({ properties: { key: string(), id: uuid(), status: jobStatus } }),
      description: 'In request order.',
    },
  },
});

/** Schema of `GET /api/v1/runs/{id}`. */
export const runViewSchema = objectSchema<RunView>({
  description: 'A DAG run: its jobs with their states, its edges and its critical path.',
  properties: {
    ...recordProperties,
    status: runStatus,
    summary: objectSchema<RunView['summary']>({
      properties: {
        total: count(),
        finished: count('Jobs in a terminal state.'),
        failing: { type: 'boolean', description: 'Some job failed or timed out: the run cannot succeed.' },
        counts: { type: 'object', description: 'Jobs per status, every status present.', additionalProperties: count() },
      },
    }),
    jobs: { type: 'array', items: runJob, description: 'In request order.' },
    edges: { type: 'array', items: keyEdge, description: 'Distinct dependencies, by key.' },
    criticalPath: objectSchema<RunView['criticalPath']>({
      description: 'The chain of dependent jobs with the largest summed duration (finished: actual; running: so far; others: 0).',
      properties: {
        keys: { type: 'array', items: string(), description: 'From a root down.' },
        jobIds: { type: 'array', items: uuid(), description: 'The same jobs by id.' },
        totalMs: count(),
      },
    }),
  },
});

/** Schema of `GET /api/v1/runs`. */
export const runPageSchema = pageSchema(
  objectSchema<RunRecordView & { status: RunStatusValue }>({ description: 'A run with its aggregate status.', properties: { ...recordProperties, status: runStatus } }),
  'A page of runs, newest first.',
);

/** Schema of `POST /api/v1/runs/{id}/cancel`. */
export const cancelRunSchema = objectSchema<CancelRunView>({
  properties: {
    runId: uuid(),
    canceled: { type: 'array', items: uuid(), description: 'Jobs this call ended `canceled` (they were pending, queued or throttled).' },
    cancelRequested: { type: 'array', items: uuid(), description: 'Leased or running jobs that got a cancel request; they end `canceled` when their worker stops or at the grace deadline.' },
    changed: { type: 'boolean', description: 'False when every job had finished or was already cancel-requested.' },
    run: schemaRef('RunView'),
  },
});
