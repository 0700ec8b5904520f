import { ID_TOKEN_PATTERN, WorkerLimits } from '@orch/contracts';
import { LOG_LEVELS, LogLevel, NATS_URL_DEFAULT, ORCH_NAMESPACE_DEFAULT } from '@orch/service-kit';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** Default `DEMO_TENANTS`. */
export const DEMO_TENANTS_DEFAULT = 'demo';
/** Default `DEMO_CONCURRENCY` (jobs at once per tenant). */
export const DEMO_CONCURRENCY_DEFAULT = 8;
/** Default `DEMO_CLAIM_WAIT_MS` (long-poll of each claim). */
export const DEMO_CLAIM_WAIT_DEFAULT_MS = 5_000;
/** Default `DEMO_STOP_GRACE_MS`. */
export const DEMO_STOP_GRACE_DEFAULT_MS = 10_000;

const TENANT_LIST = new RegExp(`^${ID_TOKEN_PATTERN.source.slice(1, -1)}(,${ID_TOKEN_PATTERN.source.slice(1, -1)})*$`);

/** demo-worker configuration (environment variables, validated at start). */
export class DemoWorkerConfig {
  @Matches(/^(nats|tls|wss?):\/\/\S+$/, { message: '$property must be a nats://, tls://, ws:// or wss:// URL' })
  NATS_URL: string = NATS_URL_DEFAULT;

  @Matches(/^[a-z][a-z0-9_]{0,31}$/, { message: '$property must be 1-32 characters of a-z, 0-9 and _, starting with a letter' })
  ORCH_NAMESPACE: string = ORCH_NAMESPACE_DEFAULT;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Comma-separated tenants; one worker each. */
  @Matches(TENANT_LIST, { message: '$property must be a comma-separated list of tenant ids' })
  DEMO_TENANTS: string = DEMO_TENANTS_DEFAULT;

  @IsInt() @Min(1) @Max(WorkerLimits.claimMaxBatch)
  DEMO_CONCURRENCY: number = DEMO_CONCURRENCY_DEFAULT;

  /** Lease to ask for; the lease-broker's default when unset. */
  @IsOptional() @IsInt() @Min(WorkerLimits.leaseMinMs) @Max(WorkerLimits.leaseMaxMs)
  DEMO_LEASE_MS?: number;

  @IsInt() @Min(0) @Max(WorkerLimits.claimMaxWaitMs)
  DEMO_CLAIM_WAIT_MS: number = DEMO_CLAIM_WAIT_DEFAULT_MS;

  @IsInt() @Min(0) @Max(300_000)
  DEMO_STOP_GRACE_MS: number = DEMO_STOP_GRACE_DEFAULT_MS;

  /** The tenants as a list. */
  tenants(): string[] {
    return [...new Set(this.DEMO_TENANTS.split(',').map((t) => t.trim()))];
  }
}
