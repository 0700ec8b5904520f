import { AuthServiceConfig } from '@orch/auth';
import { IsPortNumber } from '@orch/service-kit';
import { IsInt, Max, Min } from 'class-validator';

/** Default `HTTP_PORT` of the event-notifier. */
export const EVENT_NOTIFIER_PORT_DEFAULT = 8085;
/** Default `SSE_KEEPALIVE_MS`: a comment line this often keeps proxies from closing idle streams. */
export const SSE_KEEPALIVE_DEFAULT_MS = 15_000;
/** Default `SSE_MAX_BUFFER_BYTES`: unflushed bytes one SSE client may hold before it is cut off. */
export const SSE_MAX_BUFFER_DEFAULT_BYTES = 1_048_576;
/** Default `NOTIFIER_MAX_IN_FLIGHT`: ledger events handled concurrently per process. */
export const NOTIFIER_MAX_IN_FLIGHT_DEFAULT = 256;
/** Default `WEBHOOK_CONCURRENCY`: webhook attempts in flight per process. */
export const WEBHOOK_CONCURRENCY_DEFAULT = 8;
/** Default `WEBHOOK_TIMEOUT_MS`: one attempt (connect, answer, response excerpt). */
export const WEBHOOK_TIMEOUT_DEFAULT_MS = 5_000;
/** Default `WEBHOOK_MAX_ATTEMPTS`: attempts per delivery (per round: a redelivery starts a new one) before it is dead. */
export const WEBHOOK_MAX_ATTEMPTS_DEFAULT = 8;
/** Default `WEBHOOK_BACKOFF_BASE_MS`: wait ceiling after the first failed attempt (doubles each attempt, equal jitter). */
export const WEBHOOK_BACKOFF_BASE_DEFAULT_MS = 1_000;
/** Default `WEBHOOK_BACKOFF_MAX_MS`: cap of the wait between attempts. */
export const WEBHOOK_BACKOFF_MAX_DEFAULT_MS = 300_000;
/** Default `WEBHOOK_POLL_MS`: how often idle replicas look for due deliveries. */
export const WEBHOOK_POLL_DEFAULT_MS = 500;
/** Default `WEBHOOK_CACHE_TTL_MS`: how long a tenant's webhook list is reused by the fan-out. */
export const WEBHOOK_CACHE_TTL_DEFAULT_MS = 5_000;
/** Default `NOTIFY_DB_POOL_SIZE`: PostgreSQL connections to the notify schema per process. */
export const NOTIFY_DB_POOL_SIZE_DEFAULT = 10;

/** event-notifier configuration (environment variables, validated at boot; AUTH_* from AuthServiceConfig). */
export class EventNotifierConfig extends AuthServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = EVENT_NOTIFIER_PORT_DEFAULT;

  /** Interval of the SSE keep-alive comment. */
  @IsInt() @Min(100) @Max(300_000)
  SSE_KEEPALIVE_MS: number = SSE_KEEPALIVE_DEFAULT_MS;

  /** A client whose unflushed bytes exceed this is too slow and gets disconnected. */
  @IsInt() @Min(1024) @Max(268_435_456)
  SSE_MAX_BUFFER_BYTES: number = SSE_MAX_BUFFER_DEFAULT_BYTES;

  /** Ledger events in flight per process (pull batch of the `event-notifier` durable). */
  @IsInt() @Min(1) @Max(10_000)
  NOTIFIER_MAX_IN_FLIGHT: number = NOTIFIER_MAX_IN_FLIGHT_DEFAULT;

  /** Webhook attempts in flight per process (also the claim batch). */
  @IsInt() @Min(1) @Max(256)
  WEBHOOK_CONCURRENCY: number = WEBHOOK_CONCURRENCY_DEFAULT;

  /** Timeout of one webhook attempt; exceeding it counts as a failed attempt. */
  @IsInt() @Min(100) @Max(60_000)
  WEBHOOK_TIMEOUT_MS: number = WEBHOOK_TIMEOUT_DEFAULT_MS;

  /** Attempts per delivery round before it is `dead`. */
  @IsInt() @Min(1) @Max(50)
  WEBHOOK_MAX_ATTEMPTS: number = WEBHOOK_MAX_ATTEMPTS_DEFAULT;

  /** Backoff after the first failed attempt; doubles per attempt (equal jitter). */
  @IsInt() @Min(1) @Max(3_600_000)
  WEBHOOK_BACKOFF_BASE_MS: number = WEBHOOK_BACKOFF_BASE_DEFAULT_MS;

  /** Cap of the backoff between attempts. */
  @IsInt() @Min(1) @Max(86_400_000)
  WEBHOOK_BACKOFF_MAX_MS: number = WEBHOOK_BACKOFF_MAX_DEFAULT_MS;

  /** Poll interval of the delivery loop when idle (new deliveries of this replica wake it at once). */
  @IsInt() @Min(10) @Max(60_000)
  WEBHOOK_POLL_MS: number = WEBHOOK_POLL_DEFAULT_MS;

  /** Reuse of a tenant's webhook list by the fan-out; bounds how long a change made through another replica takes to apply. */
  @IsInt() @Min(0) @Max(300_000)
  WEBHOOK_CACHE_TTL_MS: number = WEBHOOK_CACHE_TTL_DEFAULT_MS;

  /** PostgreSQL pool of the notify schema. */
  @IsInt() @Min(2) @Max(100)
  NOTIFY_DB_POOL_SIZE: number = NOTIFY_DB_POOL_SIZE_DEFAULT;
}
