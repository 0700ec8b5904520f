import { ID_TOKEN_PATTERN, WorkerLimits } from '@orch/contracts';
import { LOG_LEVELS, LogLevel, NATS_URL_DEFAULT, ORCH_NAMESPACE_DEFAULT } from '@orch/service-kit';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';

/** Default `DEMO_TENANTS`. */
export const DEMO_TENANTS_DEFAULT = 'demo';
/** Default `DEMO_CONCURRENCY` (jobs at once per tenant). */
export const DEMO_CONCURRENCY_DEFAULT = 8;
/** Default `DEMO_CLAIM_WAIT_MS` (long-poll of each claim). */
export const DEMO_CLAIM_WAIT_DEFAULT_MS = 5_000;
/** Default `DEMO_STOP_GRACE_MS`. */
export const DEMO_STOP_GRACE_DEFAULT_MS = 10_000;

const TENANT_LIST = new RegExp(`^${ID_TOKEN_PATTERN.source.slice(1, -1)}(,${ID_TOKEN_PATTERN.source.slice(1, -1)})*$`);

/** The variables that each choose one way for the worker to authenticate (DEMO_NATS_USER goes with DEMO_NATS_PASSWORD). */
const AUTH_VARIABLES = ['DEMO_NATS_USER', 'DEMO_NATS_NKEY_SEED_FILE', 'DEMO_NATS_CREDS_FILE'] as const;

/** Refuses a second authentication mechanism next to the decorated one. */
function NotWithOtherAuth(): PropertyDecorator {
  const others = (args?: ValidationArguments) =>
    AUTH_VARIABLES.filter((v) => v !== args?.property && (args?.object as Record<string, unknown> | undefined)?.[v] !== undefined);
  return ValidateBy({
    name: 'demoNatsAuthExclusive',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value === undefined || others(args).length === 0,
      defaultMessage: (args?: ValidationArguments) => `${args?.property} must not be combined with ${others(args).join(' or ')}`,
    },
  });
}

/**
 * demo-worker configuration (environment variables, validated at start).
 * DEMO_NATS_* are a tenant's **worker** credentials (deploy/nats/README.md),
 * deliberately not the services' NATS_USER/NATS_PASSWORD, which a shared test
 * or pod environment would otherwise hand to the worker. Each tenant in
 * DEMO_TENANTS gets its own connection with inbox prefix `_INBOX_<tenant>`, so
 * with per-tenant credentials run one demo worker per tenant.
 */
export class DemoWorkerConfig {
  @Matches(/^(nats|tls|wss?):\/\/\S+$/, { message: '$property must be a nats://, tls://, ws:// or wss:// URL' })
  NATS_URL: string = NATS_URL_DEFAULT;

  @Matches(/^[a-z][a-z0-9_]{0,31}$/, { message: '$property must be 1-32 characters of a-z, 0-9 and _, starting with a letter' })
  ORCH_NAMESPACE: string = ORCH_NAMESPACE_DEFAULT;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** User of a tenant's worker credentials; needs DEMO_NATS_PASSWORD. */
  // Decorators run bottom-up: "is it set" is checked first (stopAtFirstError).
  @ValidateIf((c: DemoWorkerConfig) => c.DEMO_NATS_USER !== undefined || c.DEMO_NATS_PASSWORD !== undefined)
  @NotWithOtherAuth()
  @IsNotEmpty({ message: 'DEMO_NATS_USER must be set when DEMO_NATS_PASSWORD is' })
  DEMO_NATS_USER?: string;

  /** Password of DEMO_NATS_USER (masked in configuration errors). */
  @ValidateIf((c: DemoWorkerConfig) => c.DEMO_NATS_USER !== undefined || c.DEMO_NATS_PASSWORD !== undefined)
  @IsNotEmpty({ message: 'DEMO_NATS_PASSWORD must be set when DEMO_NATS_USER is' })
  DEMO_NATS_PASSWORD?: string;

  /** Path of the tenant's worker nkey seed file (read at every reconnect). */
  @IsOptional() @IsString() @NotWithOtherAuth()
  DEMO_NATS_NKEY_SEED_FILE?: string;

  /** Path of a JWT credentials file (read at every reconnect). */
  @IsOptional() @IsString() @NotWithOtherAuth()
  DEMO_NATS_CREDS_FILE?: string;

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

  /** The SDK's connection options: server and the worker credentials. */
  connection(): { servers: string; user?: string; pass?: string; nkeySeedFile?: string; credsFile?: string } {
    return {
      servers: this.NATS_URL,
      ...(this.DEMO_NATS_USER !== undefined ? { user: this.DEMO_NATS_USER, pass: this.DEMO_NATS_PASSWORD } : {}),
      ...(this.DEMO_NATS_NKEY_SEED_FILE !== undefined ? { nkeySeedFile: this.DEMO_NATS_NKEY_SEED_FILE } : {}),
      ...(this.DEMO_NATS_CREDS_FILE !== undefined ? { credsFile: this.DEMO_NATS_CREDS_FILE } : {}),
    };
  }

  /** The tenants as a list. */
  tenants(): string[] {
    return [...new Set(this.DEMO_TENANTS.split(',').map((t) => t.trim()))];
  }
}
