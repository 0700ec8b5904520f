import { Type } from 'class-transformer';
import { ArrayMaxSize, IsDefined, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { JOB_TYPE_PATTERN, ID_TOKEN_PATTERN, SOURCE_PATTERN } from './names';
import { IdempotencyRef, OperatorLimits } from './operator';
import type { OperatorContext } from './operator';

// Limits administration on the rate-limiter (issue 4): `orch.cmd.ratelimiter.<verb>`.
// Rule bodies are validated by the pure validators of `@orch/domain` (limits/validation.ts)
// in the rate-limiter, so every field error names its path.

/** Verbs of the rate-limiter's admin commands. */
export const LimitsVerbs = ['limits.rule.put', 'limits.rule.get', 'limits.rule.list', 'limits.rule.delete', 'limits.pause.create', 'limits.pause.list', 'limits.pause.delete', 'limits.quota.remaining'] as const;
export type LimitsVerb = (typeof LimitsVerbs)[number];

/** Kinds of limit rules. */
export const LIMIT_RULE_KINDS = ['rate', 'concurrency', 'quota', 'breaker'] as const;
export type LimitRuleKind = (typeof LIMIT_RULE_KINDS)[number];

/** Ids of pauses are generated with this prefix; rule ids may not use it (ids are unique across rules and pauses). */
export const PAUSE_ID_PREFIX = 'pause-';

/** Audit actions of limits changes (ledger-writer.audit, targetType `limit_rule` / `limit_pause`). */
export const LimitsAuditActions = {
  rulePut: 'limits.rule.put',
  ruleDelete: 'limits.rule.delete',
  pauseCreate: 'limits.pause.create',
  pauseDelete: 'limits.pause.delete',
} as const;

/** Operator context of a limits change: like {@link OperatorContext}, with `X-Orch-Ticket` required too. */
export class LimitsOperatorContext implements OperatorContext {
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  subject!: string;

  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @ArrayMaxSize(32)
  scopes!: string[];

  @IsString()
  @MinLength(1)
  @MaxLength(OperatorLimits.reasonMaxLength)
  reason!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(OperatorLimits.ticketMaxLength)
  ticket!: string;
}

/** The core-NATS notice published after every limits change and slot release: wakes the schedulers. */
export function limitsChangedSubject(namespace: string, tenant: string): string {
  return `${namespace}.limits.${tenant}.changed`;
}

/** Every tenant's {@link limitsChangedSubject}. */
export function limitsChangedAll(namespace: string): string {
  return `${namespace}.limits.*.changed`;
}

/**
 * `limits.rule.put`: creates or replaces a rule of the envelope's tenant (the body's `tenant`,
 * if any, is ignored). `rule` is `{id, kind, match, per, …}` with the kind's figures:
 * rate `ratePerSecond`, `burst` (`adaptive`); concurrency `maxInFlight`; quota
 * `maxActive`/`maxPerHour`/`maxPerDay`; breaker `failureRateThreshold`, `minOutcomes`,
 * `windowMs`, `openMs`, `halfOpenProbes`. Takes effect on the next admission.
 */
export class PutLimitRuleCommand {
  @IsDefined()
  @IsObject()
  rule!: Record<string, unknown>;

  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;
}

/** `limits.rule.get` / `limits.rule.delete` target. */
export class LimitRuleIdCommand {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  id!: string;
}

/** `limits.rule.delete`. */
export class DeleteLimitRuleCommand extends LimitRuleIdCommand {
  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;
}

/** `limits.rule.list`: the tenant's rules (and global ones), optionally of one kind. */
export class ListLimitRulesCommand {
  @IsOptional()
  @IsIn(LIMIT_RULE_KINDS)
  kind?: LimitRuleKind;
}

/** What a pause holds back (absent fields match anything of the tenant). */
export class PauseMatch {
  @IsOptional()
  @Matches(ID_TOKEN_PATTERN)
  project?: string;

  @IsOptional()
  @Matches(SOURCE_PATTERN)
  source?: string;

  @IsOptional()
  @Matches(JOB_TYPE_PATTERN)
  jobType?: string;
}

/** `limits.pause.create`: holds back the tenant's jobs that match (all of them with `{}`), optionally until a time. */
export class CreatePauseCommand {
  @IsDefined()
  @ValidateNested()
  @Type(() => PauseMatch)
  match!: PauseMatch;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  reason?: string | null;

  /** ISO 8601; the pause lifts by itself then. Absent: until deleted (resumed). */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/, { message: 'until must be an ISO 8601 date-time with a zone' })
  until?: string | null;

  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;

  /** The POST's Idempotency-Key (a replay returns the same pause). */
  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** `limits.pause.delete` (resume). */
export class DeletePauseCommand {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  id!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => LimitsOperatorContext)
  operator!: LimitsOperatorContext;
}

/** `limits.quota.remaining`: the figures of every quota applying to jobs of this kind. */
export class QuotaRemainingCommand {
  @Matches(JOB_TYPE_PATTERN)
  jobType!: string;

  @IsOptional()
  @Matches(ID_TOKEN_PATTERN)
  project?: string;

  @IsOptional()
  @Matches(SOURCE_PATTERN)
  source?: string;
}

/** A rule as stored (the shape of `limits.rule.put`'s `rule`, plus bookkeeping). */
export interface LimitRuleView {
  id: string;
  kind: LimitRuleKind;
  /** null: a rule over every tenant (set up by the platform, read-only through the api). */
  tenant: string | null;
  match: { project?: string; source?: string; jobType?: string };
  per: ('tenant' | 'project' | 'source' | 'jobType')[];
  ratePerSecond?: number;
  burst?: number;
  adaptive?: Record<string, unknown> | false;
  maxInFlight?: number;
  maxActive?: number | null;
  maxPerHour?: number | null;
  maxPerDay?: number | null;
  failureRateThreshold?: number;
  minOutcomes?: number;
  windowMs?: number;
  openMs?: number;
  halfOpenProbes?: number;
  windowBuckets?: number;
  description?: string | null;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** A pause as stored. */
export interface PauseView {
  id: string;
  tenant: string | null;
  match: { project?: string; source?: string; jobType?: string };
  reason: string | null;
  until: string | null;
  /** False once `until` has passed. */
  active: boolean;
  createdAt: string;
  createdBy: string;
}

/** Reply of `limits.rule.put`. */
export interface PutLimitRuleResult {
  rule: LimitRuleView;
  /** False when a rule with this id was replaced. */
  created: boolean;
}

/** Reply of `limits.pause.create`. */
export interface CreatePauseResult {
  pause: PauseView;
  /** False on an idempotent replay. */
  created: boolean;
}

/** Limit, use and remainder of one quota figure. */
export interface QuotaFigureView {
  limit: number;
  used: number;
  remaining: number;
  /** When the figure resets (window end); null for maxActive. */
  resetAt: string | null;
}

/** What is left of one quota for the asked subject. */
export interface QuotaRemainingView {
  ruleId: string;
  key: string;
  active: QuotaFigureView | null;
  hour: QuotaFigureView | null;
  day: QuotaFigureView | null;
}

/** Reply of `limits.quota.remaining`. */
export interface QuotaRemainingResult {
  quotas: QuotaRemainingView[];
}

/** Body of `POST /api/v1/limits/pauses`: what to hold back, why, and until when. */
export class CreatePauseRequest {
  @IsDefined()
  @ValidateNested()
  @Type(() => PauseMatch)
  match!: PauseMatch;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  reason?: string | null;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/, { message: 'until must be an ISO 8601 date-time with a zone' })
  until?: string | null;
}
