/**
 * Recurring schedules (issue 4, "Time"): ledger-writer commands
 * (`orch.cmd.ledgerwriter.<verb>`, queue group `ledger-writer`). The envelope's
 * tenant owns the schedule: another tenant's schedule is `not_found`.
 *
 * - `schedule-create` {@link CreateScheduleCommand} → {@link ScheduleChangeResult}
 * - `schedule-update` {@link UpdateScheduleCommand} → {@link ScheduleChangeResult}
 * - `schedule-pause` / `schedule-resume` / `schedule-delete` {@link ScheduleActionCommand} → {@link ScheduleChangeResult}
 * - `schedule-list` {@link ListSchedulesCommand} → {@link SchedulePage}
 * - `schedule-get` {@link GetScheduleCommand} → {@link ScheduleView} (with `nextFireTimes`)
 * - `schedule-fire` {@link ScheduleFireCommand} → {@link ScheduleFireResult} (sent by the scheduler)
 *
 * Operator commands carry an {@link OperatorContext} and write their audit
 * entry (`schedule.create`, `schedule.pause`, …) in the same transaction. A bad
 * cron or an unknown time zone is `validation_failed` naming the field
 * (`cron`, `timeZone`) and changes nothing.
 */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { JobLimits } from './jobs';
import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, SOURCE_PATTERN } from './names';
import { IdempotencyRef, OperatorContext } from './operator';

/** Ledger-writer verbs of schedules. */
export const ScheduleVerbs = [
  'schedule-create',
  'schedule-update',
  'schedule-pause',
  'schedule-resume',
  'schedule-delete',
  'schedule-list',
  'schedule-get',
  'schedule-fire',
] as const;
export type ScheduleVerb = (typeof ScheduleVerbs)[number];

/** Limits of schedule commands. */
export const ScheduleLimits = {
  nameMaxLength: 200,
  cronMaxLength: 200,
  timeZoneMaxLength: 64,
  maxCatchUpMin: 1,
  maxCatchUpMax: 1000,
  maxCatchUpDefault: 10,
  pageSizeDefault: 50,
  pageSizeMax: 500,
  cursorMaxLength: 128,
  /** Fire times one `schedule-fire` may carry (the largest catch-up). */
  fireTimesMax: 1000,
  nextFireTimesDefault: 5,
  nextFireTimesMax: 100,
} as const;

/** Misfire policies (see `dueFires` in @orch/domain). */
export const SCHEDULE_MISFIRE_POLICIES = ['skip', 'catch_up'] as const;
export type ScheduleMisfirePolicy = (typeof SCHEDULE_MISFIRE_POLICIES)[number];

/** Audit actions of schedule changes (target type `schedule`). */
export const ScheduleAuditActions = {
  create: 'schedule.create',
  update: 'schedule.update',
  pause: 'schedule.pause',
  resume: 'schedule.resume',
  delete: 'schedule.delete',
} as const;

/** What each firing submits: a job of the schedule's project. */
export class ScheduleJobTemplate {
  @Matches(JOB_TYPE_PATTERN, { message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' })
  jobType!: string;

  @IsObject()
  payload!: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority?: number;

  @IsOptional()
  @IsInt()
  @Min(JobLimits.maxAttemptsMin)
  @Max(JobLimits.maxAttemptsMax)
  maxAttempts?: number;

  @IsOptional()
  @Matches(SOURCE_PATTERN, { message: 'source must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })
  source?: string;
}

/** `POST /api/v1/schedules` body. */
export class CreateScheduleRequest {
  @Matches(ID_TOKEN_PATTERN, { message: 'project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  project!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.nameMaxLength)
  name!: string;

  /** 5-field cron or a macro (`@hourly`, …); minute precision. */
  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.cronMaxLength)
  cron!: string;

  /** IANA time zone, e.g. `Europe/Berlin`. */
  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.timeZoneMaxLength)
  timeZone!: string;

  /** Default `skip`. */
  @IsOptional()
  @IsIn(SCHEDULE_MISFIRE_POLICIES)
  misfirePolicy?: ScheduleMisfirePolicy;

  /** For `catch_up`: most missed fires caught up after downtime (default 10). */
  @IsOptional()
  @IsInt()
  @Min(ScheduleLimits.maxCatchUpMin)
  @Max(ScheduleLimits.maxCatchUpMax)
  maxCatchUp?: number;

  /** Create it paused (default false). */
  @IsOptional()
  @IsBoolean()
  paused?: boolean;

  @IsDefined()
  @ValidateNested()
  @Type(() => ScheduleJobTemplate)
  job!: ScheduleJobTemplate;
}

/** `schedule-create`. */
export class CreateScheduleCommand extends CreateScheduleRequest {
  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** `schedule-pause`, `schedule-resume`, `schedule-delete`. */
export class ScheduleActionCommand {
  @IsUUID()
  scheduleId!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/**
 * `PATCH /api/v1/schedules/{id}` body: absent fields stay as they are; at least one is required.
 * A new cron or time zone fires from the change on (slots it would have had before are not caught up).
 */
export class UpdateScheduleRequest {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.nameMaxLength)
  name?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.cronMaxLength)
  cron?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(ScheduleLimits.timeZoneMaxLength)
  timeZone?: string;

  @IsOptional()
  @IsIn(SCHEDULE_MISFIRE_POLICIES)
  misfirePolicy?: ScheduleMisfirePolicy;

  @IsOptional()
  @IsInt()
  @Min(ScheduleLimits.maxCatchUpMin)
  @Max(ScheduleLimits.maxCatchUpMax)
  maxCatchUp?: number;

  /** Replaces the whole job template. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleJobTemplate)
  job?: ScheduleJobTemplate;
}

/** Fields of {@link UpdateScheduleRequest}, for "nothing to update". */
export const SCHEDULE_UPDATE_FIELDS = ['name', 'cron', 'timeZone', 'misfirePolicy', 'maxCatchUp', 'job'] as const;

/** `schedule-update`: an {@link UpdateScheduleRequest} for one schedule, by an operator. */
export class UpdateScheduleCommand extends UpdateScheduleRequest {
  @IsUUID()
  scheduleId!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** `schedule-list`: the tenant's schedules, newest first. */
export class ListSchedulesCommand {
  @IsInt()
  @Min(1)
  @Max(ScheduleLimits.pageSizeMax)
  pageSize!: number;

  /** `next_page_token` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(ScheduleLimits.cursorMaxLength)
  cursor?: string;
}

/** `schedule-get`. */
export class GetScheduleCommand {
  @IsUUID()
  scheduleId!: string;

  /** How many next fire times to compute (default 5). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ScheduleLimits.nextFireTimesMax)
  nextCount?: number;
}

/**
 * `schedule-fire` (scheduler → ledger-writer): fire these slots of the schedule.
 * Compare-and-set: only slots later than the schedule's last fire and not yet
 * recorded in `schedule_fires` create a job (idempotency key
 * `fireId(scheduleId, fireTime)`); the others are skipped, so any number of
 * scheduler replicas sending the same slots create one job per slot.
 */
export class ScheduleFireCommand {
  @IsUUID()
  scheduleId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ScheduleLimits.fireTimesMax)
  @IsISO8601({ strict: true }, { each: true })
  fireTimes!: string[];
}

/** A schedule as the api and the scheduler see it. */
export interface ScheduleView {
  id: string;
  tenant: string;
  project: string;
  name: string;
  cron: string;
  timeZone: string;
  misfirePolicy: ScheduleMisfirePolicy;
  maxCatchUp: number;
  job: { jobType: string; payload: Record<string, unknown>; priority: number | null; maxAttempts: number | null; source: string | null };
  paused: boolean;
  lastFireAt: string | null;
  /** The next slot to fire (null when paused or the cron never fires again). */
  nextFireAt: string | null;
  resumedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** `schedule-get` only: the next fire times from now. */
  nextFireTimes?: string[];
  /** `schedule-get` only: the newest firing and the job it created (null before the first). */
  lastFire?: { fireTime: string; jobId: string; firedAt: string } | null;
}

/** Reply of the changing commands. */
export interface ScheduleChangeResult {
  schedule: ScheduleView;
  /** False when nothing changed (pause of a paused schedule) or on an idempotent replay. */
  changed: boolean;
  /** True when answered from an idempotency record. */
  replayed?: true;
}

/** Reply of `schedule-list`. */
export interface SchedulePage {
  items: ScheduleView[];
  nextCursor: string | null;
}

/** Reply of `schedule-fire`. */
export interface ScheduleFireResult {
  /** Slots that created a job by this call. */
  fired: { fireTime: string; jobId: string }[];
  /**
   * Slots left alone: `already_fired`, `not_after_last_fire` (at or before the last fire, creation
   * or resume), `not_a_fire_time`, `in_future`, `paused`, `misfire_dropped` (more slots than the
   * misfire policy fires at once: the older ones).
   */
  skipped: { fireTime: string; reason: string }[];
  lastFireAt: string | null;
  nextFireAt: string | null;
}
