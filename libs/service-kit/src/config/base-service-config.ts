import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';

/** Log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** A value of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Default `NATS_URL`. */
export const NATS_URL_DEFAULT = 'nats://127.0.0.1:4222';
/** Default `DATABASE_URL`. */
export const DATABASE_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/orch';
/** Default `ORCH_NAMESPACE`: prefix of subject, stream and consumer names. */
export const ORCH_NAMESPACE_DEFAULT = 'orch';
/** Default `SHUTDOWN_GRACE_MS`. */
export const SHUTDOWN_GRACE_DEFAULT_MS = 10_000;
/** Upper bound of `SHUTDOWN_GRACE_MS`. */
export const SHUTDOWN_GRACE_MAX_MS = 120_000;

/**
 * `@IsInt() @Min(0) @Max(65535)` for a TCP port property (0 = any free port).
 * Apps put it on their `HTTP_PORT`.
 */
export function IsPortNumber(): PropertyDecorator {
  return (target, key) => {
    // Registration order is check order: with stopAtFirstError "abc" reports "must be an integer".
    IsInt()(target, key);
    Min(0)(target, key);
    Max(65_535)(target, key);
  };
}

/** The variables that each choose one way to authenticate to NATS (NATS_USER goes with NATS_PASSWORD). */
const NATS_AUTH_VARIABLES = ['NATS_USER', 'NATS_NKEY_SEED_FILE', 'NATS_CREDS_FILE'] as const;

/** Refuses a second NATS authentication mechanism next to the decorated one. */
function NotWithOtherNatsAuth(): PropertyDecorator {
  return ValidateBy({
    name: 'natsAuthExclusive',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value === undefined || others(args).length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property} must not be combined with ${others(args).join(' or ')}: choose one NATS authentication (user/password, nkey seed or creds file)`,
    },
  });
  function others(args?: ValidationArguments): string[] {
    const config = (args?.object ?? {}) as Record<string, unknown>;
    return NATS_AUTH_VARIABLES.filter((v) => v !== args?.property && config[v] !== undefined);
  }
}

/**
 * Environment shared by every Orch service; apps extend it and add `HTTP_PORT`.
 * Annotate property types explicitly (`: number`): conversion reads the emitted
 * `design:type`, which an inferred type does not provide.
 *
 * ```ts
 * class ApiConfig extends BaseServiceConfig {
 *   @IsPortNumber() HTTP_PORT: number = 3000;
 * }
 * const config = parseEnv(ApiConfig);
 * ```
 */
export class BaseServiceConfig {
  /** NATS server URL (nats://, tls://, ws:// or wss://). */
  @Matches(/^(nats|tls|wss?):\/\/\S+$/, { message: '$property must be a nats://, tls://, ws:// or wss:// URL' })
  NATS_URL: string = NATS_URL_DEFAULT;

  /**
   * NATS user name; needs NATS_PASSWORD. One of three ways to authenticate, with
   * NATS_NKEY_SEED_FILE and NATS_CREDS_FILE (at most one); none = no credentials.
   * Build connection options with `natsConnectOptions` (libs/messaging), never by hand.
   */
  // Decorators run bottom-up: "is it set" is checked first (stopAtFirstError).
  @ValidateIf((c: BaseServiceConfig) => c.NATS_USER !== undefined || c.NATS_PASSWORD !== undefined)
  @NotWithOtherNatsAuth()
  @Matches(/^\S+$/, { message: '$property must not contain white space' })
  @IsNotEmpty({ message: 'NATS_USER must be set when NATS_PASSWORD is' })
  NATS_USER?: string;

  /** Password of NATS_USER (a secret: masked in configuration errors). */
  @ValidateIf((c: BaseServiceConfig) => c.NATS_USER !== undefined || c.NATS_PASSWORD !== undefined)
  @IsNotEmpty({ message: 'NATS_PASSWORD must be set when NATS_USER is' })
  NATS_PASSWORD?: string;

  /** Path of a file holding an nkey seed (`SU…`); read at every (re)connect, so a rotated file is picked up. */
  @IsOptional()
  @IsString()
  @NotWithOtherNatsAuth()
  NATS_NKEY_SEED_FILE?: string;

  /** Path of a JWT credentials file (`.creds`, decentralized auth); read at every (re)connect. */
  @IsOptional()
  @IsString()
  @NotWithOtherNatsAuth()
  NATS_CREDS_FILE?: string;

  /** PostgreSQL connection URL. */
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = DATABASE_URL_DEFAULT;

  /** Prefix of NATS subjects, streams and consumers (two installations on one NATS server differ here; each needs its own database). */
  @Matches(/^[a-z][a-z0-9_]{0,31}$/, {
    message: '$property must be 1-32 characters of a-z, 0-9 and _, starting with a letter',
  })
  ORCH_NAMESPACE: string = ORCH_NAMESPACE_DEFAULT;

  /** Interface the HTTP server binds to. */
  @IsNotEmpty()
  @IsString()
  HTTP_HOST: string = '127.0.0.1';

  /** Minimum log level. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** How long shutdown may take before the process exits anyway. */
  @Max(SHUTDOWN_GRACE_MAX_MS)
  @Min(0)
  @IsInt()
  SHUTDOWN_GRACE_MS: number = SHUTDOWN_GRACE_DEFAULT_MS;

  // JetStream retention. Every service that creates the streams at boot passes these (streamSettingsFromConfig in
  // libs/messaging), so give all services the same values; unset → the defaults of STREAM_DEFAULTS there.

  /** Max age of the EVENTS stream (ledger events; the notifier relays from it). Default 7 days. */
  @IsOptional() @IsInt() @Min(60_000)
  ORCH_EVENTS_MAX_AGE_MS?: number;

  /** Max age of the LOGS stream (job log lines: GET …/logs and the log stream read it). Default 3 days. */
  @IsOptional() @IsInt() @Min(60_000)
  ORCH_LOGS_MAX_AGE_MS?: number;

  /** Max size of the LOGS stream; the oldest lines go first beyond it. Default 1 GiB. */
  @IsOptional() @IsInt() @Min(1_048_576)
  ORCH_LOGS_MAX_BYTES?: number;

  /** Max age of the NOTIFY stream (notifier events): how far back SSE/WebSocket clients can resume. Default 7 days. */
  @IsOptional() @IsInt() @Min(60_000)
  ORCH_NOTIFY_MAX_AGE_MS?: number;

  /** JetStream duplicate window of every stream (Nats-Msg-Id deduplication); capped at each stream's max age. Default 2 minutes. */
  @IsOptional() @IsInt() @Min(1_000) @Max(86_400_000)
  ORCH_STREAM_DUPLICATE_WINDOW_MS?: number;

  /** OTLP/HTTP collector base URL; traces are not exported when unset. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}
