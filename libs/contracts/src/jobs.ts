import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
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
import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, SOURCE_PATTERN } from './names';
import type { JobStatus } from './job-status';

/** Limits and defaults of a job submission. */
export const JobLimits = {
  priorityMin: 0,
  priorityMax: 9,
  priorityDefault: 5,
  maxAttemptsMin: 1,
  maxAttemptsMax: 100,
  maxAttemptsDefault: 3,
  idempotencyKeyMaxLength: 200,
} as const;

/**
 * The event-time window `[from, to)` a job processes: backfill jobs always carry one, live jobs
 * may (with a `source`). Jobs of one tenant, source and job type whose windows overlap never run
 * at the same time (docs/backfills.md).
 */
export class JobWindow {
  @IsISO8601({ strict: true })
  from!: string;

  @IsISO8601({ strict: true })
  to!: string;
}

/** The cross-field rules of a job's window: it needs a `source`, and `to` after `from`. */
export function jobWindowProblem(req: { source?: string | null; window?: { from: string; to: string } | null }, path = 'window'): { path: string; message: string } | null {
  if (!req.window) return null;
  if (!req.source) return { path: 'source', message: 'a job with a window needs a source (windows of one source and job type never run at the same time)' };
  if (!(Date.parse(req.window.to) > Date.parse(req.window.from))) return { path: `${path}.to`, message: 'window.to must be after window.from' };
  return null;
}

/** `POST /api/v1/jobs` body. */
export class SubmitJobRequest {
  /**
   * Optional: the tenant comes from the caller's token. When given it must be
   * that tenant (the api answers 403 otherwise), so old clients keep working.
   */
  @IsOptional()
  @Matches(ID_TOKEN_PATTERN, { message: 'tenant must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  tenant?: string;

  @Matches(ID_TOKEN_PATTERN, { message: 'project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  project!: string;

  @Matches(JOB_TYPE_PATTERN, { message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' })
  jobType!: string;

  /**
   * The upstream source the job talks to (a host or a label); rate limits,
   * concurrency caps and circuit breakers can be keyed on it.
   */
  @IsOptional()
  @Matches(SOURCE_PATTERN, { message: 'source must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })
  source?: string;

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
  @IsISO8601({ strict: true })
  runAt?: string;

  /** The event-time window the job processes; needs `source`, `to` after `from`. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JobWindow)
  window?: JobWindow;
}

/**
 * Ledger command `submit`: a validated request plus what the api adds. The api
 * always fills `tenant` with the caller's tenant; the job belongs to the
 * envelope's tenant regardless.
 */
export class SubmitJobCommand extends SubmitJobRequest {
  @IsString()
  @MaxLength(JobLimits.idempotencyKeyMaxLength)
  idempotencyKey!: string;

  /** SHA-256 of the canonical request body, to detect key reuse with another body. */
  @Matches(/^[0-9a-f]{64}$/)
  requestDigest!: string;

  /** Idempotency scope, e.g. `POST /api/v1/jobs`. */
  @IsString()
  @MaxLength(200)
  scope!: string;
}

/** What `submit` returns: the job and whether this call created it. */
export interface SubmitJobResult {
  created: boolean;
  job: JobView;
}

/** A job as the API and the ledger-writer return it. */
export interface JobView {
  id: string;
  tenant: string;
  project: string;
  jobType: string;
  /** The upstream source (limits key on it), or null. */
  source: string | null;
  status: JobStatus;
  statusReason: string | null;
  /** Why a `throttled` job waits (null otherwise); `eligibleAt` is its next eligible time, null while it waits for a slot. */
  throttle: ThrottleReason | null;
  priority: number;
  payload: Record<string, unknown>;
  payloadDigest: string;
  result: unknown;
  lastError: JobError | null;
  attempt: number;
  maxAttempts: number;
  runAt: string | null;
  eligibleAt: string | null;
  lease: { leaseId: string; fencingToken: number; expiresAt: string; workerId: string } | null;
  progress: { percent: number | null; message: string | null } | null;
  /** Set once an operator asked to cancel the job while it was leased or running (see CancelJobCommand). */
  cancel: { requestedAt: string; reason: string; deadline: string | null } | null;
  /** When the running attempt must be done (its job type's execution timeout), or null. */
  deadlineAt: string | null;
  correlationId: string;
  idempotencyKey: string;
  /** The DAG run the job belongs to (`POST /api/v1/runs`), or null. */
  runId: string | null;
  /** The job this one replays (`POST /api/v1/jobs/{id}/replay`, dead-letter replays), or null. */
  replayOf: string | null;
  /** The event-time window the job processes, or null. */
  window: { from: string; to: string } | null;
  /** The backfill that created the job, or null. */
  backfillId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A worker-reported error. */
export class JobError {
  @IsString()
  @MaxLength(128)
  code!: string;

  @IsString()
  @MaxLength(4096)
  message!: string;

  /** Defaults to true: a failure is retried unless the worker says otherwise. */
  @IsOptional()
  @IsBoolean()
  retryable?: boolean;

  /** The worker's own retry-after, e.g. from an upstream 429. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  retryAfterMs?: number;
}

/** A ledger event as `GET /api/v1/jobs/{id}/events` returns it. */
export interface LedgerEventView {
  id: string;
  tenant: string;
  seq: number;
  project: string;
  jobId: string;
  eventType: string;
  attempt: number;
  occurredAt: string;
  actor: Actor;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** Who caused an event. */
export interface Actor {
  subject: string;
  scopes: string[];
}

export class IdOnly {
  @IsUUID()
  jobId!: string;
}

/** Shared fields of every fenced worker call. */
export class FencedRequest {
  @IsUUID()
  jobId!: string;

  @IsUUID()
  leaseId!: string;

  @IsInt()
  @Min(1)
  fencingToken!: number;
}

// ----- worker protocol (docs/protocol.md) -----

export const WorkerLimits = {
  claimMaxBatch: 256,
  claimMaxWaitMs: 30_000,
  leaseMinMs: 1_000,
  leaseMaxMs: 3_600_000,
} as const;

export class ClaimRequest {
  @IsString()
  @MaxLength(128)
  workerId!: string;

  // IsArray: with `each`, a plain string would pass and be claimed as its characters.
  @IsArray()
  @IsString({ each: true })
  @Matches(JOB_TYPE_PATTERN, { each: true })
  jobTypes!: string[];

  @IsInt()
  @Min(1)
  @Max(WorkerLimits.claimMaxBatch)
  max!: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(WorkerLimits.claimMaxWaitMs)
  waitMs?: number;

  @IsOptional()
  @IsInt()
  @Min(WorkerLimits.leaseMinMs)
  @Max(WorkerLimits.leaseMaxMs)
  leaseMs?: number;
}

/** Retry hint handed to the worker with an allocation. */
export interface RetryHint {
  /** Attempts left after this one. */
  attemptsLeft: number;
  /** Backoff the server will apply if this attempt fails retryably. */
  nextBackoffMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** What a claim hands a worker, one per job. */
export interface Allocation {
  jobId: string;
  tenant: string;
  project: string;
  jobType: string;
  /** The job's upstream source, or null; a worker names it when it reports upstream throttling. */
  source: string | null;
  attempt: number;
  maxAttempts: number;
  leaseId: string;
  fencingToken: number;
  leaseMs: number;
  leaseExpiresAt: string;
  heartbeatMs: number;
  /** `orch-{jobId}-{attempt}`: stable across redeliveries of the same attempt. */
  idempotencyKey: string;
  retryHint: RetryHint;
  payload: Record<string, unknown>;
  priority: number;
  correlationId: string;
  /** Largest artifact the attempt may publish, in bytes (the lease-broker's `ARTIFACT_MAX_BYTES`; absent from brokers before artifacts). */
  artifactMaxBytes?: number;
}

export interface ClaimResult {
  allocations: Allocation[];
}

export class HeartbeatRequest extends FencedRequest {
  @IsOptional()
  @IsInt()
  @Min(WorkerLimits.leaseMinMs)
  @Max(WorkerLimits.leaseMaxMs)
  leaseMs?: number;
}

/** Reply of `start`, `heartbeat` and `progress`. */
export interface LeaseResult {
  /** The lease's new end; never past the cancel deadline once a cancel was requested. */
  leaseExpiresAt: string;
  /** An operator asked to cancel the job: stop, then report `fail` (code `canceled`) or `complete`. */
  cancelRequested: boolean;
}

export class ProgressRequest extends FencedRequest {
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  percent?: number;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  message?: string;
}

export class CompleteRequest extends FencedRequest {
  @IsOptional()
  result?: unknown;
}

export class FailRequest extends FencedRequest {
  // IsObject: ValidateNested alone lets a missing error and an array through.
  @IsObject()
  @ValidateNested()
  @Type(() => JobError)
  error!: JobError;
}

/** Bounds of an upstream report (`upstream`). */
export const UpstreamReportLimits = { retryAfterMaxMs: 86_400_000 } as const;

/**
 * `upstream`: the worker of a leased or running job reports how the job's upstream source
 * answered — a 429 or 5xx (with its Retry-After) slows the source's adaptive rate buckets down;
 * any other status changes nothing. Fenced like every call about a job.
 */
export class UpstreamReportRequest extends FencedRequest {
  /** The upstream's HTTP status. */
  @IsInt()
  @Min(100)
  @Max(599)
  status!: number;

  /** The upstream's Retry-After, converted to milliseconds from now. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(UpstreamReportLimits.retryAfterMaxMs)
  retryAfterMs?: number;
}

/** A rate bucket an upstream report slowed down. */
export interface SlowedBucket {
  ruleId: string;
  key: string;
  /** Rate in force now (tokens per second), 0 during a hold. */
  ratePerSecond: number;
  /** The configured rate it recovers to. */
  configuredRatePerSecond: number;
  /** Nothing is admitted before this time (the upstream's Retry-After), or null. */
  holdUntil: string | null;
  /** When the bucket is back at its configured rate. */
  recoversAt: string;
}

/** Reply of `upstream`. */
export interface UpstreamReportResult {
  /** Empty when the status asks for nothing, or no adaptive rate limit applies to the job's source. */
  slowed: SlowedBucket[];
}

export interface CompleteResult {
  status: JobStatus;
}

export interface FailResult {
  status: JobStatus;
  /** Set when the job will be retried. */
  nextAttempt?: number;
  eligibleAt?: string;
  backoffMs?: number;
}

/** A log line a worker publishes to `orch.log.<tenant>.<jobId>` (JetStream). */
export class LogLine {
  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;

  @IsIn(['debug', 'info', 'warn', 'error'])
  level!: 'debug' | 'info' | 'warn' | 'error';

  @IsString()
  @MaxLength(8192)
  message!: string;

  @IsISO8601({ strict: true })
  ts!: string;
}

// ----- ledger-writer internal commands -----

export class LeaseJobItem {
  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;
}

export class LeaseCommand {
  @IsString()
  @MaxLength(128)
  workerId!: string;

  @IsInt()
  @Min(WorkerLimits.leaseMinMs)
  @Max(WorkerLimits.leaseMaxMs)
  leaseMs!: number;

  @ValidateNested({ each: true })
  @Type(() => LeaseJobItem)
  jobs!: LeaseJobItem[];
}

/** Per job: an allocation, or why it was refused (stale dispatch). */
export interface LeaseCommandResult {
  results: ({ jobId: string; ok: true; allocation: Allocation } | { jobId: string; ok: false; reason: string })[];
}

export class ExpireCommand {
  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(1)
  fencingToken!: number;
}

export class AdmitCommand {
  @ValidateNested({ each: true })
  @Type(() => LeaseJobItem)
  jobs!: LeaseJobItem[];
}

export interface AdmitResult {
  admitted: string[];
  skipped: string[];
  /** Jobs the ledger held back instead (`throttled`): a paused backfill, or an overlapping window in flight. */
  held?: string[];
}

export class PromoteCommand {
  @IsUUID(undefined, { each: true })
  jobIds!: string[];
}

export interface PromoteResult {
  promoted: string[];
}

/** The body of a dispatch message on `orch.dispatch.<tenant>.<jobType>`. */
export interface DispatchMessage {
  jobId: string;
  attempt: number;
  tenant: string;
  project: string;
  jobType: string;
  priority: number;
}

// ----- rate-limiter commands -----

/** One job the scheduler wants to admit. */
export class AdmissionCandidate {
  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;

  @Matches(ID_TOKEN_PATTERN)
  project!: string;

  @Matches(JOB_TYPE_PATTERN)
  jobType!: string;

  @IsOptional()
  @Matches(SOURCE_PATTERN)
  source?: string | null;

  @IsInt()
  @Min(JobLimits.priorityMin)
  @Max(JobLimits.priorityMax)
  priority!: number;
}

/** `orch.cmd.ratelimiter.admit`: may these jobs (all of the envelope's tenant) run now? */
export class RateLimitAdmitCommand {
  @ValidateNested({ each: true })
  @Type(() => AdmissionCandidate)
  jobs!: AdmissionCandidate[];
}

/** Stable codes of why a job waits `throttled`. */
export const ThrottleCode = {
  paused: 'paused',
  breakerOpen: 'breaker_open',
  concurrencyCap: 'concurrency_cap',
  quotaActive: 'quota_active',
  quotaHour: 'quota_hour',
  quotaDay: 'quota_day',
  rateLimited: 'rate_limited',
  upstreamBackoff: 'upstream_backoff',
  /** A job with an overlapping event-time window of the same source and job type is running (backfills never overlap live work). */
  windowBusy: 'window_busy',
  /** The job's backfill is paused. */
  backfillPaused: 'backfill_paused',
} as const;
export type ThrottleCode = (typeof ThrottleCode)[keyof typeof ThrottleCode];
export const THROTTLE_CODES: readonly ThrottleCode[] = Object.values(ThrottleCode);

/** Why a job is held back: the limit that holds it and its key. */
export class ThrottleReason {
  @IsIn(THROTTLE_CODES)
  code!: ThrottleCode;

  /** The rule, quota, pause or breaker that holds the job. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  ruleId?: string | null;

  /** The limit's key (rule id and dimension values), e.g. `r1|tenant=t1|source=nvd`. */
  @IsOptional()
  @IsString()
  @MaxLength(600)
  key?: string | null;

  /** One sentence for people: `60/min per {tenant, source} reached for source nvd`. */
  @IsString()
  @MaxLength(500)
  detail!: string;
}

/** A job the rate limiter holds back, with why and until when. */
export interface ThrottleDecision {
  jobId: string;
  attempt: number;
  reason: ThrottleReason;
  /** The next time the job may be admitted; null when it waits for a slot to free (or a resume). */
  nextEligibleAt: string | null;
}

/** One job of {@link ThrottleCommand}. */
export class ThrottleItem {
  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;

  @ValidateNested()
  @Type(() => ThrottleReason)
  reason!: ThrottleReason;

  @IsOptional()
  @IsISO8601({ strict: true })
  nextEligibleAt?: string | null;
}

/**
 * `ledger-writer.throttle`: the scheduler holds these attempts back. A `queued`
 * job at that attempt, not yet admitted, becomes `throttled` (event
 * `job.throttled` with the reason); an already throttled one gets the new
 * reason and next eligible time without an event. Anything else is skipped.
 */
export class ThrottleCommand {
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => ThrottleItem)
  jobs!: ThrottleItem[];
}

/** Reply of `ledger-writer.throttle`. */
export interface ThrottleResult {
  /** Moved queued → throttled. */
  throttled: string[];
  /** Already throttled; reason or next eligible time updated. */
  updated: string[];
  /** No longer queued/throttled at that attempt, or admitted meanwhile. */
  skipped: string[];
}

/** Reply of `orch.cmd.ratelimiter.admit`. */
export interface RateLimitAdmitResult {
  allowed: string[];
  throttled: ThrottleDecision[];
}
