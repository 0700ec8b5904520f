/**
 * OpenAPI response schemas and examples of `/api/v1/schedules`, typed by the interfaces the
 * routes return (registered in openapi-schemas.ts).
 */
import type { SchemaObject } from '@nestjs/swagger';
import { SCHEDULE_MISFIRE_POLICIES, ScheduleLimits, ScheduleView } from '@orch/contracts';
import { objectSchema, orNull, pageSchema, schemaRef } from '@orch/service-kit';
import type { ScheduleChange } from './schedules.service';

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const integer = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra, ...(description ? { description } : {}) });

/** Names of the schedule schemas in `components.schemas`. */
export const SCHEDULE_SCHEMAS = {
  schedule: 'ScheduleView',
  schedulePage: 'SchedulePage',
  scheduleChange: 'ScheduleChange',
  scheduleDeleted: 'DeleteScheduleResult',
} as const;

const schedule = objectSchema<ScheduleView>({
  description: 'A recurring schedule: a cron in a time zone, the job each firing submits, and its firing state.',
  properties: {
    id: string(undefined, { format: 'uuid' }),
    tenant: string(),
    project: string('Project of the jobs it submits.'),
    name: string(),
    cron: string('5-field cron (minute precision) or a macro such as `@hourly`, read in `timeZone`.'),
    timeZone: string('IANA time zone, e.g. `Europe/Berlin`.'),
    misfirePolicy: { type: 'string', enum: [...SCHEDULE_MISFIRE_POLICIES], description: 'After downtime: `skip` fires the newest missed slot once; `catch_up` the newest `maxCatchUp` in order.' },
    maxCatchUp: integer(undefined, { minimum: ScheduleLimits.maxCatchUpMin, maximum: ScheduleLimits.maxCatchUpMax }),
    job: objectSchema<ScheduleView['job']>({
      description: 'What each firing submits (idempotency key `<scheduleId>@<fire time>`).',
      properties: {
        jobType: string(),
        payload: { type: 'object', additionalProperties: true },
        priority: orNull(integer()),
        maxAttempts: orNull(integer()),
        source: orNull(string()),
      },
    }),
    paused: { type: 'boolean' },
    lastFireAt: orNull(instant('The newest slot fired.')),
    nextFireAt: orNull(instant('The next slot to fire (in the past while overdue); null when paused or when the cron never fires again.')),
    resumedAt: orNull(instant('Last resume (or cron change): slots before it are never caught up.')),
    createdAt: instant(),
    updatedAt: instant(),
    version: integer('Bumped by every change and firing.', { minimum: 1 }),
    nextFireTimes: { type: 'array', items: instant(), description: '`GET /schedules/{id}` only: the next `next` fire times from now (empty while paused).' },
    lastFire: orNull(
      objectSchema<NonNullable<ScheduleView['lastFire']>>({
        description: '`GET /schedules/{id}` only: the newest firing and the job it created.',
        properties: { fireTime: instant(), jobId: string(undefined, { format: 'uuid' }), firedAt: instant() },
      }),
    ),
  },
  optional: ['nextFireTimes', 'lastFire'],
});

/** The response schemas of the schedule routes, for `apiResponseSchemas`. */
export function scheduleResponseSchemas(): Record<string, SchemaObject> {
  return {
    [SCHEDULE_SCHEMAS.schedule]: schedule,
    [SCHEDULE_SCHEMAS.schedulePage]: pageSchema(schemaRef(SCHEDULE_SCHEMAS.schedule), 'A page of schedules, newest first.'),
    [SCHEDULE_SCHEMAS.scheduleChange]: objectSchema<ScheduleChange>({
      properties: {
        schedule: schemaRef(SCHEDULE_SCHEMAS.schedule),
        changed: { type: 'boolean', description: 'False when nothing changed (pausing a paused schedule).' },
      },
    }),
    [SCHEDULE_SCHEMAS.scheduleDeleted]: objectSchema<{ scheduleId: string; deleted: true }>({
      properties: { scheduleId: string(undefined, { format: 'uuid' }), deleted: { type: 'boolean', enum: [true] } },
    }),
  };
}

const SCHEDULE_ID = '0190d6f3-1a2b-7c3d-8e4f-9a0b1c2d3e4f';

/** A schedule of tenant `acme`. */
export const exampleSchedule: ScheduleView = {
  id: SCHEDULE_ID,
  tenant: 'acme',
  project: 'ingest',
  name: 'nightly NVD sync',
  cron: '30 2 * * *',
  timeZone: 'Europe/Berlin',
  misfirePolicy: 'skip',
  maxCatchUp: 10,
  job: { jobType: 'nvd.sync', payload: { feed: 'cve-2026' }, priority: 6, maxAttempts: null, source: 'nvd.nist.gov' },
  paused: false,
  lastFireAt: '2026-11-23T01:30:00.000Z',
  nextFireAt: '2026-11-24T01:30:00.000Z',
  resumedAt: null,
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-23T01:30:00.412Z',
  version: 4,
};

/** The example schedule as `GET /schedules/{id}` answers it. */
export const exampleScheduleDetail: ScheduleView = {
  ...exampleSchedule,
  nextFireTimes: ['2026-11-24T01:30:00.000Z', '2026-11-25T01:30:00.000Z', '2026-11-26T01:30:00.000Z'],
  lastFire: { fireTime: '2026-11-23T01:30:00.000Z', jobId: '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01', firedAt: '2026-11-23T01:30:00.412Z' },
};

/** Bodies of `POST /api/v1/schedules`. */
export const createScheduleExamples = {
  nightly: {
    summary: 'Every night at 02:30 Berlin time',
    value: { project: 'ingest', name: exampleSchedule.name, cron: exampleSchedule.cron, timeZone: exampleSchedule.timeZone, job: { jobType: 'nvd.sync', payload: { feed: 'cve-2026' }, priority: 6, source: 'nvd.nist.gov' } },
  },
  catchUp: {
    summary: 'Every 15 minutes on weekdays, catching up at most 4 missed slots',
    value: { project: 'ingest', name: 'feed poll', cron: '*/15 * * * 1-5', timeZone: 'America/New_York', misfirePolicy: 'catch_up', maxCatchUp: 4, job: { jobType: 'feed.poll', payload: {} } },
  },
};

/** Bodies of `PATCH /api/v1/schedules/{id}`. */
export const updateScheduleExamples = {
  cron: { summary: 'Move it to 03:00', value: { cron: '0 3 * * *' } },
};
