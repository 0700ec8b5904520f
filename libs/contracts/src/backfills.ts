import { Type } from 'class-transformer';
import {
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
  ValidateNested,
} from 'class-validator';
import type { JobStatus } from './job-status';
import { JobLimits } from './jobs';
import { LimitsOperatorContext } from './limits';
import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, SOURCE_PATTERN } from './names';
import { IdempotencyRef } from './operator';

/** Defaults and limits of a backfill (docs/backfills.md). */
export const BackfillLimits = {
  /** Backfills run below live traffic (default job priority 5) unless asked otherwise. */
  priorityDefault: 2,
  /** The slice text, e.g. `PT1H`. */
  sliceMaxLength: 32,
} as const;

/**
 * `POST /api/v1/backfills` body: one job per `slice` of `[from, to)` for `source` and `jobType`.
 * Each job's payload is `payload` with `window: {from, to}` (the slice) added.
 */
export class CreateBackfillRequest {
  @Matches(ID_TOKEN_PATTERN, { message: 'project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  project!: string;

  @Matches(JOB_TYPE_PATTERN, { message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' })
  jobType!: string;

  @Matches(SOURCE_PATTERN, { message: 'source must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })
  source!: string;

  @IsISO8601({ strict: true })
  from!: string;

  @IsISO8601({ strict: true })
  to!: string;

  /** A fixed-length ISO 8601 duration: `PT1H` (default), `PT15M`, `P1D`. */
  @IsOptional()
  @IsString()
  @MaxLength(BackfillLimits.sliceMaxLength)
  slice?: string;

  /** Merged into every job's payload (which also gets `window`). */
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

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

  /** Answer what would be created, skipped and how long it would take; write nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/**
 * Ledger command `create-backfill`: the checked request (epoch-free ISO strings, slice in ms) and
 * the operator. The ledger-writer plans the slices again under a lock on the source's windows
 * (`planBackfill`) and creates the backfill with its jobs in one transaction.
 */
export class CreateBackfillCommand {
  @IsUUID()
  backfillId!: string;

  @Matches(ID_TOKEN_PATTERN)
  project!: string;

  @Matches(JOB_TYPE_PATTERN)
  jobType!: string;

  @Matches(SOURCE_PATTERN)
  source!: string;

  @IsISO8601({ strict: true })
  from!: string;

  @IsISO8601({ strict: true })
  to!: string;

  @IsInt()
  @Min(60_000)
  sliceMs!: number;

  /** The slice as the caller wrote it (`PT1H`). */
  @IsString()
  @MaxLength(BackfillLimits.sliceMaxLength)
  slice!: string;

  @IsObject()
  payload!: Record<string, unknown>;

  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority!: number;

  @IsInt()
  @Min(JobLimits.maxAttemptsMin)
  @Max(JobLimits.maxAttemptsMax)
  maxAttempts!: number;

  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;

  @IsDefined()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency!: IdempotencyRef;
}

/** What an operator can do to a backfill. */
export const BackfillActions = ['pause', 'resume', 'cancel'] as const;
export type BackfillAction = (typeof BackfillActions)[number];

/**
 * Ledger command `control-backfill`: `pause` holds its jobs not yet admitted (`throttled`,
 * `backfill_paused`), `resume` lets them go again, `cancel` ends every unfinished job of it like a
 * run cancel. Audited as `backfill.<action>`.
 */
export class ControlBackfillCommand {
  @IsUUID()
  backfillId!: string;

  @IsIn(BackfillActions)
  action!: BackfillAction;

  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** Audit actions of backfills. */
export const BackfillAuditActions = {
  create: 'backfill.create',
  pause: 'backfill.pause',
  resume: 'backfill.resume',
  cancel: 'backfill.cancel',
} as const;

/** Stored state of a backfill: what operators set. Progress comes from its jobs. */
export const BackfillStates = ['active', 'paused', 'canceled'] as const;
export type BackfillState = (typeof BackfillStates)[number];

/** A backfill's status as the API shows it: its state, or, once every job ended, the outcome. */
export type BackfillStatus = BackfillState | 'succeeded' | 'failed';

/** One slice of a plan (dry run, or the answer of a real run). */
export interface BackfillSliceView {
  from: string;
  to: string;
  action: 'create' | 'skip';
  /** `watermark` or `covered_by_jobs`. */
  skip?: string;
  coveredBy?: string[];
}

/** The estimated duration of a backfill under the current limits. */
export interface BackfillEstimateView {
  seconds: number | null;
  boundBy: string | null;
  meanRunSeconds: number | null;
  detail: string;
}

/** A backfill as the API returns it. */
export interface BackfillView {
  id: string;
  tenant: string;
  project: string;
  source: string;
  jobType: string;
  from: string;
  to: string;
  slice: string;
  priority: number;
  maxAttempts: number;
  status: BackfillStatus;
  /** Slices in the window, jobs created, slices skipped at creation. */
  slices: number;
  created: number;
  skipped: number;
  /** The backfill's jobs by status. */
  jobs: Partial<Record<JobStatus, number>>;
  /** Finished jobs / created jobs × 100 (100 when nothing was created). */
  progressPercent: number;
  /** The source's watermark for this job type now (`null`: none yet). */
  watermark: string | null;
  reason: string;
  ticket: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** Reply of `ledger-writer.create-backfill`. */
export interface CreateBackfillResult {
  /** False on an idempotent replay of the key and body. */
  created: boolean;
  backfillId: string;
  /** Slices in the window; `createdJobs` of them got a job, `skipped` did not (see the dry run for which). */
  slices: number;
  createdJobs: number;
  skipped: number;
}

/** Reply of `ledger-writer.control-backfill`. */
export interface ControlBackfillResult {
  backfillId: string;
  state: BackfillState;
  /** False when the backfill already was in that state (or, for cancel, nothing was left to cancel). */
  changed: boolean;
  /** cancel: jobs ended now, and leased/running ones asked to stop. */
  canceled?: string[];
  cancelRequested?: string[];
}
