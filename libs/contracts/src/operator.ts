import { ArrayMaxSize, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** OAuth scopes of the control plane (design.md, API conventions). */
export const Scopes = {
  read: 'orch:read',
  operate: 'orch:operate',
  quota: 'orch:quota',
  backfill: 'orch:backfill',
} as const;
export type Scope = (typeof Scopes)[keyof typeof Scopes];
export const ALL_SCOPES: readonly Scope[] = Object.values(Scopes);

/** Limits of the operator headers `X-Orch-Reason` and `X-Orch-Ticket`. */
export const OperatorLimits = { reasonMaxLength: 256, ticketMaxLength: 128 } as const;

/**
 * Who asked for an operator action and why: carried by every operator command
 * (cancel, pause, replay, quota change, backfill) and written to the audit log.
 */
export class OperatorContext {
  /** The token's subject (`sub`). */
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  subject!: string;

  /** The scopes of the token that authorised the action. */
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @ArrayMaxSize(32)
  scopes!: string[];

  /** `X-Orch-Reason`. */
  @IsString()
  @MinLength(1)
  @MaxLength(OperatorLimits.reasonMaxLength)
  reason!: string;

  /** `X-Orch-Ticket`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(OperatorLimits.ticketMaxLength)
  ticket?: string;
}

/**
 * The Idempotency-Key of a POST, deduplicated per tenant and scope (method +
 * route): the same key and body returns the first result; another body is 409.
 */
export class IdempotencyRef {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  key!: string;

  /** e.g. `POST /api/v1/jobs/{id}/cancel`. */
  @IsString()
  @MaxLength(200)
  scope!: string;

  /** SHA-256 of the canonical request (body plus what identifies the target). */
  @Matches(/^[0-9a-f]{64}$/)
  requestDigest!: string;
}
