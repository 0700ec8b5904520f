import { AuthServiceConfig } from '@orch/auth';
import { IsPortNumber } from '@orch/service-kit';
import { IsLegacySunset } from './legacy/deprecation';
import { IsInt, IsNumber, Matches, Max, Min } from 'class-validator';
import { DASHBOARD_EVENTS_URL_PATTERN } from './dashboard/dashboard-settings';

/** Default `HTTP_PORT` of the api. */
export const API_HTTP_PORT_DEFAULT = 8080;
/** Default `API_MAX_PAYLOAD_BYTES`: largest serialized job payload (256 KiB). */
export const API_MAX_PAYLOAD_DEFAULT_BYTES = 262_144;
/** Default `API_MAX_BODY_BYTES`: largest request body the JSON parser reads (1 MiB). */
export const API_MAX_BODY_DEFAULT_BYTES = 1_048_576;
/** Default `API_COMMAND_TIMEOUT_MS`: how long a command to ledger-writer may take. */
export const API_COMMAND_TIMEOUT_DEFAULT_MS = 10_000;
/** Default `DB_POOL_SIZE` of the read-only ledger pool. */
export const API_DB_POOL_SIZE_DEFAULT = 10;
/** Default `API_RATE_LIMIT_RPS`: requests per second per tenant, per api replica. */
export const API_RATE_LIMIT_DEFAULT_RPS = 50;
/** Default `API_RATE_LIMIT_BURST`: requests a tenant may send at once after a quiet period. */
export const API_RATE_LIMIT_BURST_DEFAULT = 100;
/** Default `DASHBOARD_EVENTS_URL`: the event-notifier of `npm start`, as the dashboard's browser reaches it. */
export const DASHBOARD_EVENTS_URL_DEFAULT = 'http://127.0.0.1:8085';

/** Default `API_LEGACY_SUNSET`: the day legacy routes (`GET /api/v1/jobs/{id}/detail`) stop answering. */
export const API_LEGACY_SUNSET_DEFAULT = '2027-06-30';

/** api (control plane) configuration: environment variables, validated at boot (AUTH_* from AuthServiceConfig). */
export class ApiConfig extends AuthServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = API_HTTP_PORT_DEFAULT;

  /** Largest job payload, measured as its serialized JSON in bytes (413 `payload_too_large` above). */
  @IsInt() @Min(1) @Max(16 * 1_048_576)
  API_MAX_PAYLOAD_BYTES: number = API_MAX_PAYLOAD_DEFAULT_BYTES;

  /** Largest request body in bytes (413 above); bounds memory per request before any parsing. */
  @IsInt() @Min(1_024) @Max(32 * 1_048_576)
  API_MAX_BODY_BYTES: number = API_MAX_BODY_DEFAULT_BYTES;

  /** Reply deadline of a command to ledger-writer; past it the caller gets 503 and may retry with the same Idempotency-Key. */
  @IsInt() @Min(100) @Max(120_000)
  API_COMMAND_TIMEOUT_MS: number = API_COMMAND_TIMEOUT_DEFAULT_MS;

  @IsInt() @Min(2) @Max(100)
  DB_POOL_SIZE: number = API_DB_POOL_SIZE_DEFAULT;

  /** Sustained requests per second each tenant may send to one api replica (429 `rate_limited` above). */
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.01) @Max(1_000_000)
  API_RATE_LIMIT_RPS: number = API_RATE_LIMIT_DEFAULT_RPS;

  /** Requests each tenant may send at once (bucket capacity; `X-RateLimit-Limit`). */
  @IsInt() @Min(1) @Max(10_000_000)
  API_RATE_LIMIT_BURST: number = API_RATE_LIMIT_BURST_DEFAULT;

  /** Sunset of the legacy routes (`Sunset` header): a UTC date `YYYY-MM-DD` or an ISO 8601 date-time with a time zone. */
  @IsLegacySunset()
  API_LEGACY_SUNSET: string = API_LEGACY_SUNSET_DEFAULT;

  /**
   * Where the dashboard's browser reaches the event-notifier's stream routes: an absolute http(s) URL
   * (another origin, which must list the dashboard's origin in its `CORS_ORIGINS`), or a path such as
   * `/` when an ingress serves those routes on the api's own origin (docs/operations.md#dashboard).
   */
  @Matches(DASHBOARD_EVENTS_URL_PATTERN, { message: '$property must be an http(s) URL without query or fragment, or a path starting with /' })
  DASHBOARD_EVENTS_URL: string = DASHBOARD_EVENTS_URL_DEFAULT;
}
