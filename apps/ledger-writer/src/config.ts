import { BaseServiceConfig } from '@orch/service-kit';
import { IsInt, IsNumber, IsString, Max, Min, ValidateBy } from 'class-validator';
import { parseJobTimeouts } from './ledger/job-timeouts';

/** Default `CANCEL_GRACE_MS`. */
export const CANCEL_GRACE_DEFAULT_MS = 30_000;

/** ledger-writer configuration (environment variables, validated at boot). */
export class LedgerWriterConfig extends BaseServiceConfig {
  @IsInt() @Min(0) @Max(65535)
  HTTP_PORT: number = 8083;

  /** Most commands per group commit. */
  @IsInt() @Min(1) @Max(5000)
  GROUP_COMMIT_MAX_BATCH = 512;

  /** How long a lone command waits for company before its transaction starts. */
  @IsInt() @Min(0) @Max(100)
  GROUP_COMMIT_MAX_WAIT_MS = 1;

  @IsInt() @Min(1) @Max(5000)
  OUTBOX_BATCH = 500;

  @IsInt() @Min(10) @Max(60000)
  OUTBOX_POLL_MS = 500;

  @IsInt() @Min(1) @Max(3_600_000)
  BACKOFF_BASE_MS = 1000;

  @IsInt() @Min(1) @Max(86_400_000)
  BACKOFF_MAX_MS = 300_000;

  @IsNumber() @Min(0) @Max(1)
  BACKOFF_JITTER = 0.5;

  /**
   * How long the worker of a leased/running job has, after a cancel request,
   * to stop and report: its lease is capped at request time + this, and the
   * job ends `canceled` when it runs out.
   */
  @IsInt() @Min(1_000) @Max(3_600_000)
  CANCEL_GRACE_MS: number = CANCEL_GRACE_DEFAULT_MS;

  @IsInt() @Min(2) @Max(100)
  DB_POOL_SIZE = 10;

  /**
   * Execution timeouts per job type, `jobType=ms` pairs separated by commas
   * (`nvd.sync=600000,demo.echo=30000`; empty: none). A running attempt of such a type must be
   * done by its start + the timeout: its lease is never extended past that, and an attempt that
   * overruns ends `execution_timeout` (retried, then `timed_out`).
   */
  @IsString()
  @ValidateBy({
    name: 'isJobTimeouts',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseJobTimeouts(v).problems.length === 0,
      defaultMessage: (args) => `JOB_TIMEOUTS: ${parseJobTimeouts(String(args?.value ?? '')).problems.join('; ')}`,
    },
  })
  JOB_TIMEOUTS = '';
}
