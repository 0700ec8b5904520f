import { BaseServiceConfig, IsPortNumber } from '@orch/service-kit';
import { IsInt, Max, Min } from 'class-validator';

/** Default `HTTP_PORT` of the rate-limiter. */
export const RATE_LIMITER_HTTP_PORT_DEFAULT = 8084;
/** Default `LIMITS_DB_POOL_SIZE`: PostgreSQL connections to the limits schema per process. */
export const LIMITS_DB_POOL_SIZE_DEFAULT = 10;
/** Default `LIMITS_RECONCILE_MS`: how often open slots are compared with the ledger. */
export const LIMITS_RECONCILE_DEFAULT_MS = 5_000;
/**
 * Default `LIMITS_RECONCILE_GRACE_MS`: an admission younger than this is never reconciled away —
 * the scheduler records it in the ledger right after `admit` answers (within its command timeouts).
 */
export const LIMITS_RECONCILE_GRACE_DEFAULT_MS = 30_000;
/** Default `LIMITS_EVENTS_MAX_IN_FLIGHT`: ledger events handled at once by the slot-release consumer. */
export const LIMITS_EVENTS_MAX_IN_FLIGHT_DEFAULT = 64;
/**
 * Default `LIMITS_RULES_CACHE_MS`: how long a replica reuses a tenant's rules and pauses before
 * reading them again. Changes made through the API reach every replica at once (the
 * `<ns>.limits.<tenant>.changed` notice drops the entry); this bounds how late a lost notice or
 * a rule written straight into the database takes effect.
 */
export const LIMITS_RULES_CACHE_DEFAULT_MS = 500;

/** rate-limiter configuration (environment variables, validated at boot). */
export class RateLimiterConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = RATE_LIMITER_HTTP_PORT_DEFAULT;

  /** PostgreSQL pool of the limits schema (admissions, releases, admin commands, reconciler). */
  @IsInt() @Min(2) @Max(100)
  LIMITS_DB_POOL_SIZE: number = LIMITS_DB_POOL_SIZE_DEFAULT;

  /** Period of the slot reconciler. */
  @IsInt() @Min(100) @Max(600_000)
  LIMITS_RECONCILE_MS: number = LIMITS_RECONCILE_DEFAULT_MS;

  /** Age below which an open admission is left alone by the reconciler. */
  @IsInt() @Min(1_000) @Max(3_600_000)
  LIMITS_RECONCILE_GRACE_MS: number = LIMITS_RECONCILE_GRACE_DEFAULT_MS;

  /** Ledger events in flight per process on the `rate-limiter` durable. */
  @IsInt() @Min(1) @Max(10_000)
  LIMITS_EVENTS_MAX_IN_FLIGHT: number = LIMITS_EVENTS_MAX_IN_FLIGHT_DEFAULT;

  /** Lifetime of a cached rule set (0: read the rules for every decision). */
  @IsInt() @Min(0) @Max(60_000)
  LIMITS_RULES_CACHE_MS: number = LIMITS_RULES_CACHE_DEFAULT_MS;
}
