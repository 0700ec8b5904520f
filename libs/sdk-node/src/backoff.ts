import { backoffMs, BackoffPolicy } from '@orch/domain';

/** Backoff between failed claims (lease-broker unreachable, …). */
export const CLAIM_RETRY_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 10_000, jitter: 0.5 };
/** Backoff between tries of a failed start/complete/fail report. */
export const REPORT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 0.5 };

/**
 * Delay before the next try after `failures` consecutive failures (1-based):
 * exponential with jitter, capped, so a fleet of workers does not retry in step.
 */
export function retryDelayMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return backoffMs(Math.max(1, Math.floor(failures)), policy, random);
}
