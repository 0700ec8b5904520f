import { AuthServiceConfig } from '@orch/auth';
import { IsPortNumber } from '@orch/service-kit';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { CORS_ORIGINS_PATTERN } from './http/stream-cors';

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
/** Default `WS_MAX_BUFFER_BYTES`: unsent bytes one WebSocket client may hold before it is cut off. */
export const WS_MAX_BUFFER_DEFAULT_BYTES = 1_048_576;
/** Default `WS_PING_INTERVAL_MS`: a WebSocket ping this often; no pong by the next one and the client is dropped. */
export const WS_PING_INTERVAL_DEFAULT_MS = 15_000;
/** Default `LOG_STREAM_MAX_BUFFER_BYTES`: unflushed bytes one job-log SSE client may hold before it is cut off. */
export const LOG_STREAM_MAX_BUFFER_DEFAULT_BYTES = 1_048_576;
/** Default `LOG_STREAM_END_POLL_MS`: how often an open job-log stream checks whether its job ended. */
export const LOG_STREAM_END_POLL_DEFAULT_MS = 1_000;
/** Default `NOTIFIER_LEDGER_DB_POOL_SIZE`: read-only ledger connections per process (job lookups of log streams). */
export const NOTIFIER_LEDGER_DB_POOL_SIZE_DEFAULT = 4;

/** Default `CORS_ORIGINS`: the dashboard of `npm start` (served by the api on port 8080), by IP and by name. */
export const CORS_ORIGINS_DEFAULT = 'http://127.0.0.1:8080,http://localhost:8080';

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

  /** A WebSocket client whose unsent bytes exceed this is too slow and gets closed (1008 `client_too_slow`). */
  @IsInt() @Min(1024) @Max(268_435_456)
  WS_MAX_BUFFER_BYTES: number = WS_MAX_BUFFER_DEFAULT_BYTES;

  /** Interval of WebSocket pings; a client that has not answered the previous one is terminated. */
  @IsInt() @Min(100) @Max(300_000)
  WS_PING_INTERVAL_MS: number = WS_PING_INTERVAL_DEFAULT_MS;

  /** A job-log SSE client whose unflushed bytes exceed this is too slow and gets disconnected. */
  @IsInt() @Min(1024) @Max(268_435_456)
  LOG_STREAM_MAX_BUFFER_BYTES: number = LOG_STREAM_MAX_BUFFER_DEFAULT_BYTES;

  /** How often an open job-log stream reads its job's ledger row to learn that the job ended. */
  @IsInt() @Min(50) @Max(60_000)
  LOG_STREAM_END_POLL_MS: number = LOG_STREAM_END_POLL_DEFAULT_MS;

  /** PostgreSQL pool of the read-only ledger connection (log streams look their job up). */
  @IsInt() @Min(1) @Max(100)
  NOTIFIER_LEDGER_DB_POOL_SIZE: number = NOTIFIER_LEDGER_DB_POOL_SIZE_DEFAULT;

  /**
   * Origins (comma-separated `scheme://host[:port]`) whose pages may read the stream routes
   * cross-origin with GET (the dashboard, served by the api). Nothing else is shared cross-origin.
   */
  @Matches(CORS_ORIGINS_PATTERN, { message: '$property must be a comma-separated list of origins such as http://127.0.0.1:8080' })
  CORS_ORIGINS: string = CORS_ORIGINS_DEFAULT;
}
