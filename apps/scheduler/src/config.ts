import { BaseServiceConfig, IsPortNumber } from '@orch/service-kit';
import { IsInt, Max, Min } from 'class-validator';

/** Default `HTTP_PORT` of the scheduler. */
export const SCHEDULER_HTTP_PORT_DEFAULT = 8081;
/** Default `SCHEDULER_POLL_MS`: the longest the loop sleeps without a trigger. */
export const SCHEDULER_POLL_DEFAULT_MS = 1_000;
/** Default `SCHEDULER_BATCH`: most jobs read per query (promote and admit each). */
export const SCHEDULER_BATCH_DEFAULT = 500;
/** Default `DB_POOL_SIZE`: one pass runs its ledger reads one after another. */
export const SCHEDULER_DB_POOL_SIZE_DEFAULT = 4;

/** Default `SCHEDULER_CRON_TICK_MS`: how often every replica looks for due cron schedules. */
export const SCHEDULER_CRON_TICK_DEFAULT_MS = 1_000;
/** Default `SCHEDULER_CRON_BATCH`: most due schedules read per tick. */
export const SCHEDULER_CRON_BATCH_DEFAULT = 100;

/** scheduler configuration (environment variables, validated at boot). */
export class SchedulerConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = SCHEDULER_HTTP_PORT_DEFAULT;

  /** Poll interval; also caps the sleep until the next known due time. */
  @IsInt() @Min(10) @Max(60_000)
  SCHEDULER_POLL_MS: number = SCHEDULER_POLL_DEFAULT_MS;

  @IsInt() @Min(1) @Max(5_000)
  SCHEDULER_BATCH: number = SCHEDULER_BATCH_DEFAULT;

  /** Cron tick period; schedules have minute precision, so anything well under a minute is prompt. */
  @IsInt() @Min(50) @Max(60_000)
  SCHEDULER_CRON_TICK_MS: number = SCHEDULER_CRON_TICK_DEFAULT_MS;

  @IsInt() @Min(1) @Max(1_000)
  SCHEDULER_CRON_BATCH: number = SCHEDULER_CRON_BATCH_DEFAULT;

  @IsInt() @Min(1) @Max(100)
  DB_POOL_SIZE: number = SCHEDULER_DB_POOL_SIZE_DEFAULT;
}
