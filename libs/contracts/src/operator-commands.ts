import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Actor, JobLimits, JobView, SubmitJobRequest } from './jobs';
import { ID_TOKEN_PATTERN } from './names';
import { IdempotencyRef, OperatorContext } from './operator';

// Ledger-writer commands of the control plane (issue 3), sent by the api and by
// services that record operator changes (`orch.cmd.ledgerwriter.<verb>`).
//
// Idempotency: a command carrying an `IdempotencyRef` (or, for the two submits,
// `idempotencyKey`/`requestDigest`/`scope`) is deduplicated per (tenant, scope,
// key). The same digest again returns the first call's result, rebuilt from the
// stored record and the current rows, and changes nothing (no event, no audit
// entry); another digest is `idempotency_conflict` (409) and changes nothing.
// The tenant is always the envelope's.

/** Limits of the control-plane commands. */
export const ControlPlaneLimits = {
  batchMaxJobs: 1000,
  auditTargetIdMaxLength: 200,
} as const;

/** Audit actions the ledger-writer records itself. Other services choose theirs (`quota.update`, `webhook.create`, …). */
export const AuditActions = {
  jobCancel: 'job.cancel',
  runCancel: 'run.cancel',
} as const;

/** Target types used by the ledger-writer's own audit entries. */
export const AuditTargetTypes = {
  job: 'job',
  run: 'run',
} as const;

/** `<noun>.<verb>`, lower case: `job.cancel`, `quota.update`. */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_-]{0,31}(\.[a-z][a-z0-9_-]{0,31}){1,3}$/;
/** A lower-case noun: `job`, `quota`, `webhook`. */
export const AUDIT_TARGET_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * `ledger-writer.cancel` (scope `orch:operate`): cancels a job of the envelope's tenant.
 *
 * - `pending`, `queued`, `throttled` → `canceled` at once (event `job.canceled`,
 *   reason `canceled_by_operator`); a dispatch message already in flight is
 *   refused at lease as stale.
 * - `leased`, `running` → the status stays; the ledger records the request
 *   (event `job.cancel_requested`; `JobView.cancel`), caps the lease at now +
 *   `CANCEL_GRACE_MS` and tells the worker (heartbeat/start/progress replies say
 *   `cancelRequested: true`; the lease-broker publishes a notice on
 *   `<ns>.cancel.<tenant>.<jobId>`). The worker's `fail` then ends the job
 *   `canceled` (no retry, no dead letter); its `complete` still ends it
 *   `succeeded`; a lease that runs out ends it `canceled` (`cancel_grace_expired`).
 * - a terminal job, or one whose cancel was already requested: nothing changes
 *   and the reply says `changed: false` (cancel is idempotent, never a 409).
 *
 * Every call that is not refused (404, 409 idempotency_conflict, 400) and is
 * not an idempotent replay writes one audit entry `job.cancel` with the job's
 * state before and after, in the same transaction — a no-op cancel too, with
 * `before` equal to `after`. Another tenant's job is `not_found`.
 */
export class CancelJobCommand {
  @IsUUID()
  jobId!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  /** The POST's Idempotency-Key; its digest should cover the job id (scope e.g. `POST /api/v1/jobs/{id}/cancel`). */
  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** Reply of `ledger-writer.cancel`: the job as it is now, and whether this call changed it. */
export interface CancelJobResult {
  job: JobView;
  /** False when the job was already terminal or already cancel-requested (and on a replay whose first call changed nothing). */
  changed: boolean;
}

/**
 * `ledger-writer.submit-batch`: creates 1..1000 jobs in ONE transaction, all or
 * nothing. Each item is validated like `POST /api/v1/jobs` (errors carry index
 * paths, `jobs.3.jobType`); one bad item refuses the whole batch. The batch's
 * Idempotency-Key covers every item: a replay returns the same jobs
 * (`created: false`), another body is 409. Every job is created in the
 * envelope's tenant (an item's own `tenant`, if any, is ignored); each job's
 * `idempotencyKey` is `<batch key>#<index>`. Replies list jobs in item order.
 */
export class SubmitBatchCommand {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ControlPlaneLimits.batchMaxJobs)
  @ValidateNested({ each: true })
  @Type(() => SubmitJobRequest)
  jobs!: SubmitJobRequest[];

  @IsString()
  @MinLength(1)
  @MaxLength(JobLimits.idempotencyKeyMaxLength)
  idempotencyKey!: string;

  /** SHA-256 of the canonical request body. */
  @Matches(/^[0-9a-f]{64}$/)
  requestDigest!: string;

  /** Idempotency scope, e.g. `POST /api/v1/jobs:batch`. */
  @IsString()
  @MaxLength(200)
  scope!: string;
}

/** Reply of `ledger-writer.submit-batch`. */
export interface SubmitBatchResult {
  /** False on an idempotent replay. */
  created: boolean;
  /** In item order. */
  jobs: JobView[];
}

/**
 * `ledger-writer.audit`: records an operator change made elsewhere (a quota
 * change in the rate-limiter, a webhook change in the event-notifier, …) in
 * the tenant's hash-chained audit log. `before`/`after` are JSON objects the
 * caller chooses (the relevant fields of the target, not secrets).
 */
export class AppendAuditCommand {
  @Matches(AUDIT_ACTION_PATTERN, { message: 'action must look like <noun>.<verb>, e.g. quota.update' })
  action!: string;

  @Matches(AUDIT_TARGET_TYPE_PATTERN, { message: 'targetType must match ^[a-z][a-z0-9_-]{0,63}$' })
  targetType!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(ControlPlaneLimits.auditTargetIdMaxLength)
  targetId!: string;

  @IsOptional()
  @Matches(ID_TOKEN_PATTERN, { message: 'project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })
  project?: string;

  @IsOptional()
  @IsObject()
  before?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  after?: Record<string, unknown>;

  @IsDefined()
  @ValidateNested()
  @Type(() => OperatorContext)
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** Reply of `ledger-writer.audit`. */
export interface AppendAuditResult {
  /** False on an idempotent replay (the entry is the first call's). */
  created: boolean;
  entry: AuditEntryView;
}

/**
 * One entry of a tenant's audit log (`ledger.audit_log`), append-only and
 * hash-chained per tenant like job events:
 * `hash = sha256(prevHash + "\n" + canonicalJson(entry without prevHash and hash))`,
 * verifiable with `verifyChain` from `@orch/domain`.
 */
export interface AuditEntryView {
  tenant: string;
  seq: number;
  project: string | null;
  id: string;
  occurredAt: string;
  /** Who acted: the operator's token subject and scopes. */
  actor: Actor;
  action: string;
  targetType: string;
  targetId: string;
  /** `X-Orch-Reason`. */
  reason: string;
  /** `X-Orch-Ticket`. */
  ticket: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

/** Envelope `type` of a cancel notice. */
export const CANCEL_NOTICE_TYPE = 'job.cancel' as const;

/**
 * `data` of a cancel notice, a core NATS message on `<ns>.cancel.<tenant>.<jobId>`
 * published by the lease-broker when a cancel is requested for a leased or
 * running job (docs/protocol.md#cancellation). Best effort: heartbeat replies
 * (`cancelRequested`) are the durable signal.
 */
export interface CancelNotice {
  jobId: string;
  /** The operator's reason. */
  reason: string;
  /** ISO time the lease ends at the latest (the cancel grace deadline). */
  deadline: string;
}

/** Error code a worker reports in `fail` for an attempt it stopped because of a cancel. */
export const CANCELED_ERROR_CODE = 'canceled' as const;
