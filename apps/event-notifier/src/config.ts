import { BaseServiceConfig, IsPortNumber } from '@orch/service-kit';
import { IsInt, Max, Min } from 'class-validator';

/** Default `HTTP_PORT` of the event-notifier. */
export const EVENT_NOTIFIER_PORT_DEFAULT = 8085;
/** Default `SSE_KEEPALIVE_MS`: a comment line this often keeps proxies from closing idle streams. */
export const SSE_KEEPALIVE_DEFAULT_MS = 15_000;
/** Default `SSE_MAX_BUFFER_BYTES`: unflushed bytes one SSE client may hold before it is cut off. */
export const SSE_MAX_BUFFER_DEFAULT_BYTES = 1_048_576;
/** Default `NOTIFIER_MAX_IN_FLIGHT`: ledger events handled concurrently per process. */
export const NOTIFIER_MAX_IN_FLIGHT_DEFAULT = 256;

/** event-notifier configuration (environment variables, validated at boot). */
export class EventNotifierConfig extends BaseServiceConfig {
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
}
