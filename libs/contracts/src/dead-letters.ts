import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
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
import { JobStatus } from './job-status';
import { JobLimits, JobView } from './jobs';
import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN } from './names';
import { IdempotencyRef, OperatorContext } from './operator';

// Replays and the dead-letter set (issue 5): the api's bodies, the
// ledger-writer's `replay` and `purge-dead-letters` commands, and what they answer.

/** Limits of replays and dead-letter operations. */
export const DeadLetterLimits = {
  /** Jobs one `replay` or `purge-dead-letters` command (and one bulk call) takes at most. */
  bulkMax: 1_000,
  /** Error clusters `GET /api/v1/dead-letters/stats` lists at most. */
  topErrorsMax: 20,
  /** Job ids a dry run lists (the count covers every match). */
  dryRunSample: 20,
  /** Length an error code may have (as `JobError.code`). */
  errorCodeMaxLength: 128,
} as const;

/** Audit actions of replays and dead-letter purges. */
export const ReplayAuditActions = {
  jobReplay: 'job.replay',
  deadLetterPurge: 'dead_letter.purge',
} as const;

/** Why a job of a bulk command was left alone (stable codes). */
export const ReplaySkipReason = {
  /** Not a job of the tenant. */
  notFound: 'not_found',
  /** Still pending, queued, throttled, leased or running: replaying would run it twice. */
  notFinished: 'not_finished',
  /** A dead-letter command named a job that is not (or no longer) in the dead-letter set. */
  notDeadLettered: 'not_dead_lettered',
  /** A dead letter replayed before: a bulk replay never replays one twice. */
  alreadyReplayed: 'already_replayed',
} as const;
export type ReplaySkipReason = (typeof ReplaySkipReason)[keyof typeof ReplaySkipReason];

/**
 * `POST /api/v1/jobs/{id}/replay`: a new job with `replayOf` = the original, the same project,
 * type, source, priority and maxAttempts, and the original payload — or `payload`, an explicit
 * edit recorded whole in the audit entry. `priority` overrides the original's.
 */
export class ReplayJobRequest {
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority?: number;
}

/** Which dead letters a bulk call selects; every field narrows it (an empty filter is every dead letter). */
export class DeadLetterFilter {
  @IsOptional()
  @Matches(ID_TOKEN_PATTERN, { message: 'project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  project?: string;

  @IsOptional()
  @Matches(JOB_TYPE_PATTERN, { message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' })
  jobType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DeadLetterLimits.errorCodeMaxLength)
  errorCode?: string;

  /** Dead-lettered at or after (ISO 8601 with offset). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Dead-lettered before. */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

/** `POST /api/v1/dead-letters/replay`: replays the dead letters the filter selects that were never replayed. */
export class BulkReplayRequest {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeadLetterFilter)
  filter!: DeadLetterFilter;

  /** Count and list what would be replayed; change nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  /** At most this many (oldest first; default and maximum {@link DeadLetterLimits.bulkMax}). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DeadLetterLimits.bulkMax)
  limit?: number;

  /** Priority of the replays (default: each original's). */
  @IsOptional()
  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority?: number;
}

/** `POST /api/v1/dead-letters/purge`: removes the selected dead letters from the set (the jobs and their ledger stay). */
export class PurgeDeadLettersRequest {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeadLetterFilter)
  filter!: DeadLetterFilter;

  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DeadLetterLimits.bulkMax)
  limit?: number;
}

/**
 * `ledger-writer.replay` (scope `orch:operate`): one new job per named job of the envelope's
 * tenant, in one transaction. A job that is not the tenant's, not finished, or — with
 * `deadLettersOnly` — not an unreplayed dead letter is skipped with its reason; a single-job
 * replay (no `deadLettersOnly`) that would skip is refused instead (404 / 409). `payload` (one
 * job only) replaces the original's. Each replay writes a `job.replay` audit entry on the
 * original (before: its payload digest; after: the replay's id, priority, payload digest, and
 * the payload itself when edited); a replayed dead letter records the replay's id.
 */
export class ReplayJobsCommand {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DeadLetterLimits.bulkMax)
  @IsUUID('all', { each: true })
  jobIds!: string[];

  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority?: number;

  /** A bulk replay of the dead-letter set: skip what is not an unreplayed dead letter. */
  @IsOptional()
  @IsBoolean()
  deadLettersOnly?: boolean;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** A job left alone by a bulk command, and why. */
export interface SkippedJob {
  jobId: string;
  reason: ReplaySkipReason;
}

/** A replay: the original's id, the new job's id and its status (compact, so 1,000 fit one NATS reply). */
export interface ReplayedJob {
  replayOf: string;
  jobId: string;
  status: JobStatus;
}

/** Answer of `POST /api/v1/jobs/{id}/replay`. */
export interface ReplayJobResult {
  replayOf: string;
  job: JobView;
}

/** Answer of `GET /api/v1/dead-letters/{id}`: the dead letter and its job as it is now. */
export interface DeadLetterDetail {
  deadLetter: DeadLetterView;
  job: JobView;
}

/** Reply of `ledger-writer.replay`. */
export interface ReplayJobsResult {
  /** False on an idempotent replay of the command (the jobs it created, as they are now). */
  created: boolean;
  replayed: ReplayedJob[];
  skipped: SkippedJob[];
}

/**
 * `ledger-writer.purge-dead-letters` (scope `orch:operate`): removes the named jobs of the
 * envelope's tenant from the dead-letter set, one `dead_letter.purge` audit entry each (with
 * the dead letter as `before`). A job not in the set is skipped.
 */
export class PurgeDeadLettersCommand {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DeadLetterLimits.bulkMax)
  @IsUUID('all', { each: true })
  jobIds!: string[];

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** Reply of `ledger-writer.purge-dead-letters`. */
export interface PurgeDeadLettersResult {
  /** False on an idempotent replay of the command. */
  created: boolean;
  purged: string[];
  skipped: SkippedJob[];
}

/** A dead letter, as `GET /api/v1/dead-letters` shows it. */
export interface DeadLetterView {
  jobId: string;
  project: string;
  jobType: string;
  /** The attempt that ended it. */
  attempt: number;
  /** Why it ended (`attempts_exhausted`, `non_retryable`, `lease_expired`, …). */
  reason: string;
  errorCode: string | null;
  errorMessage: string | null;
  deadLetteredAt: string;
  /** The job that replayed it, or null. */
  replayedAs: string | null;
  replayedAt: string | null;
}

/** A cluster of dead letters with the same error code and message shape. */
export interface ErrorCluster {
  errorCode: string | null;
  /** The message with ids, numbers and quoted values replaced (`<id>`, `<n>`, `<…>`). */
  message: string | null;
  count: number;
  /** Job types in the cluster, most frequent first. */
  jobTypes: string[];
  firstAt: string;
  lastAt: string;
  /** Up to three dead letters of the cluster, newest first. */
  sampleJobIds: string[];
}

/** `GET /api/v1/dead-letters/stats`. */
export interface DeadLetterStats {
  total: number;
  /** Not replayed yet. */
  open: number;
  replayed: number;
  byJobType: { jobType: string; count: number; open: number }[];
  byReason: { reason: string; count: number }[];
  /** The largest clusters of open dead letters, largest first. */
  topErrors: ErrorCluster[];
}

/** Answer of a bulk dead-letter call. */
export interface BulkDeadLetterResult {
  dryRun: boolean;
  /** Dead letters the filter selected (at most `limit`). */
  matched: number;
  /** Dry run: the first selected ids ({@link DeadLetterLimits.dryRunSample}); real run: empty. */
  sampleJobIds: string[];
  /** Real run: the replays made (bulk replay). */
  replayed?: ReplayedJob[];
  /** Real run: the dead letters removed (purge). */
  purged?: string[];
  /** Real run: what was left alone (e.g. replayed meanwhile by another call). */
  skipped?: SkippedJob[];
}
