import { JobStatus, TransitionReason } from '@orch/contracts';
import { BackoffPolicy, DEFAULT_BACKOFF, backoffMs } from './backoff';

export interface FailureInput {
  attempt: number;
  maxAttempts: number;
  /** Worker's word; a lease expiry is always retryable. */
  retryable: boolean;
  retryAfterMs?: number;
  cause: 'worker_failure' | 'lease_expired' | 'execution_timeout';
}

export type FailureDecision =
  | { kind: 'retry'; nextAttempt: number; backoffMs: number; reason: TransitionReason }
  | { kind: 'terminal'; status: JobStatus; reason: TransitionReason };

/**
 * What happens after an attempt fails or its lease expires: retry after
 * backoff while attempts remain and the error is retryable, otherwise the job
 * ends `failed` (and is dead-lettered by the caller).
 */
export function decideFailure(
  input: FailureInput,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): FailureDecision {
  if (!input.retryable) {
    return { kind: 'terminal', status: JobStatus.failed, reason: TransitionReason.nonRetryable };
  }
  if (input.attempt >= input.maxAttempts) {
    // An attempt that overran its execution timeout ends the job timed_out; any other, failed.
    if (input.cause === 'execution_timeout') return { kind: 'terminal', status: JobStatus.timedOut, reason: TransitionReason.executionTimeout };
    return { kind: 'terminal', status: JobStatus.failed, reason: TransitionReason.attemptsExhausted };
  }
  return {
    kind: 'retry',
    nextAttempt: input.attempt + 1,
    backoffMs: backoffMs(input.attempt, policy, random, input.retryAfterMs),
    reason:
      input.cause === 'lease_expired' ? TransitionReason.leaseExpired : input.cause === 'execution_timeout' ? TransitionReason.executionTimeout : TransitionReason.retryBackoff,
  };
}
