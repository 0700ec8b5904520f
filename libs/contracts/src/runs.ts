import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { JobStatus } from './job-status';
import { JobLimits, SubmitJobRequest } from './jobs';
import { IdempotencyRef, OperatorContext } from './operator';

/** Limits of a DAG run (`POST /api/v1/runs`); the same as the pure validation in `@orch/domain` (DAG_MAX_*). */
export const RunLimits = {
  maxJobs: 1_000,
  maxEdges: 10_000,
  keyMaxLength: 128,
} as const;

/** A job's key within its run: chosen by the client, unique in the run. */
export const RUN_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * What a run does to the jobs waiting on a parent that ends `failed`, `canceled` or `timed_out`
 * (attempts exhausted or not retryable: terminal, dead-lettered or not):
 * - `cancel` (default): every job downstream of it that has not started is canceled
 *   (reason `parent_failed`, with the parent's id);
 * - `continue`: the failed parent counts as resolved; a job is queued once all its parents are
 *   terminal, whatever their outcome.
 */
export const RunFailurePolicies = ['cancel', 'continue'] as const;
export type RunFailurePolicy = (typeof RunFailurePolicies)[number];

/** One job of a run: a job submission plus its key and the keys it depends on. */
export class RunJobRequest extends SubmitJobRequest {
  @Matches(RUN_KEY_PATTERN, { message: 'key must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })
  key!: string;

  /** Keys of jobs of this run that must succeed (or, with `continue`, end) first. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RunLimits.maxJobs)
  @IsString({ each: true })
  @MaxLength(RunLimits.keyMaxLength, { each: true })
  dependsOn?: string[];
}

/** An explicit dependency: `from` (the parent) before `to` (the child). */
export class RunEdgeRequest {
  @IsString()
  @MaxLength(RunLimits.keyMaxLength)
  from!: string;

  @IsString()
  @MaxLength(RunLimits.keyMaxLength)
  to!: string;
}

/** `POST /api/v1/runs` body. Dependencies come from `dependsOn`, `edges`, or both (merged). */
export class SubmitRunRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RunLimits.maxJobs, { message: `a run holds at most ${RunLimits.maxJobs} jobs` })
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => RunJobRequest)
  jobs!: RunJobRequest[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RunLimits.maxEdges, { message: `a run holds at most ${RunLimits.maxEdges} edges` })
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => RunEdgeRequest)
  edges?: RunEdgeRequest[];

  @IsOptional()
  @IsIn(RunFailurePolicies)
  failurePolicy?: RunFailurePolicy;
}

/** What a `submit-run` replays: the original run, and per job key the original job's id. */
export class RunReplayRef {
  @IsUUID()
  runId!: string;

  @IsObject()
  jobs!: Record<string, string>;
}

/**
 * Ledger command `submit-run`: the run and every job in one transaction, or nothing. The api
 * fills every job's `tenant` with the caller's; jobs belong to the envelope's tenant regardless.
 * Each job's `idempotencyKey` is `<run key>#<job key>`.
 */
export class SubmitRunCommand extends SubmitRunRequest {
  @IsString()
  @MinLength(1)
  @MaxLength(JobLimits.idempotencyKeyMaxLength)
  idempotencyKey!: string;

  /** SHA-256 of the canonical request body. */
  @Matches(/^[0-9a-f]{64}$/)
  requestDigest!: string;

  /** Idempotency scope: `POST /api/v1/runs`. */
  @IsString()
  @MaxLength(200)
  scope!: string;

  /** A replay of a finished run: the original run and, per job key, the original job. */
  @IsOptional()
  @ValidateNested()
  @Type(() => RunReplayRef)
  replay?: RunReplayRef;

  /** The operator of a replay (audited as `run.replay` on the original run). */
  @IsOptional()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator?: OperatorContext;
}

/** A run as stored (without its jobs). */
export interface RunRecordView {
  id: string;
  tenant: string;
  /** The jobs' project, or `*` when they span several. */
  project: string;
  failurePolicy: RunFailurePolicy;
  correlationId: string;
  idempotencyKey: string;
  createdAt: string;
  jobCount: number;
  /** The run this one replays (`POST /api/v1/runs/{id}/replay`), or null. */
  replayOf: string | null;
}

/** Reply of `ledger-writer.submit-run` and of `POST /api/v1/runs`: compact (no payloads). */
export interface SubmitRunResult {
  /** False on an idempotent replay. */
  created: boolean;
  run: RunRecordView;
  /** In request order. */
  jobs: { key: string; id: string; status: JobStatus }[];
}

/** Run status aggregated from its jobs (see `runStatus` in `@orch/domain`). */
export type RunStatusValue = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** One job in `GET /api/v1/runs/{id}`. */
export interface RunJobView {
  key: string;
  id: string;
  jobType: string;
  project: string;
  status: JobStatus;
  statusReason: string | null;
  attempt: number;
  maxAttempts: number;
  /** Keys of its parents in the run. */
  dependsOn: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Finished: finishedAt − startedAt; running: so far; otherwise null. */
  durationMs: number | null;
}

/** `GET /api/v1/runs/{id}`: the run, its graph with job states, and its critical path. */
export interface RunView extends RunRecordView {
  status: RunStatusValue;
  /** Jobs per status (every status present) and totals. */
  summary: { total: number; finished: number; failing: boolean; counts: Record<JobStatus, number> };
  /** In request order. */
  jobs: RunJobView[];
  /** Distinct edges between keys. */
  edges: { from: string; to: string }[];
  /**
   * The chain of dependent jobs with the largest summed duration (finished jobs: their actual
   * duration; running: elapsed so far; others: 0). `keys` from a root down.
   */
  criticalPath: { keys: string[]; jobIds: string[]; totalMs: number };
}

/** A page of `GET /api/v1/runs`. */
export interface RunListPage {
  runs: (RunRecordView & { status: RunStatusValue })[];
  nextPageToken: string | null;
}

/**
 * `ledger-writer.cancel-run` (scope `orch:operate`): cancels every unfinished job of the envelope's
 * tenant's run in one transaction — pending, queued and throttled jobs end `canceled` at once
 * (`canceled_by_operator`); leased and running ones get a cancel request and the grace period, as
 * `cancel` does for one job (their workers are told). Finished jobs are left as they are. One
 * `run.cancel` audit entry on the run, except on an idempotent replay. Another tenant's run, or an
 * unknown one, is `not_found`.
 */
export class CancelRunCommand {
  @IsUUID()
  runId!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** Reply of `ledger-writer.cancel-run`. */
export interface CancelRunResult {
  runId: string;
  /** Jobs this call ended `canceled`. */
  canceled: string[];
  /** Leased or running jobs that got a cancel request (they end when their worker stops, or at the grace deadline). */
  cancelRequested: string[];
  /** False when every job had finished or was already cancel-requested. */
  changed: boolean;
}
