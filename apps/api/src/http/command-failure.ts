import { OrchError } from '@orch/contracts';

/**
 * Maps a failed command to another service for the caller. No responder and no
 * reply in time both become 503 `unavailable` (the problem filter adds
 * Retry-After): after a timeout the change may have happened, so the advice
 * says how to retry safely. Refusals of the service itself pass through.
 */
export function commandFailure(err: unknown, service: string, timeoutMs: number, advice = 'retry with the same Idempotency-Key'): unknown {
  if (!(err instanceof OrchError)) return err;
  if (err.code === 'timeout') {
    return new OrchError('unavailable', `${service} did not answer within ${timeoutMs} ms; ${advice}`, { cause: err });
  }
  if (err.code === 'unavailable' && err.status === 503) {
    return new OrchError('unavailable', `${service} is unavailable; ${advice}`, { cause: err });
  }
  return err;
}
