import { OrchError } from '@orch/contracts';

/** Thrown by a JetStream handler to ask for redelivery after `delayMs`. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message = `retry in ${delayMs} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryLater';
  }
}

/** What to do with a JetStream message after its handler ran. */
export type Outcome = { kind: 'ack' } | { kind: 'nak'; delayMs: number } | { kind: 'term'; reason: string };

/** Redelivery delay for unexpected errors: 250 ms doubling per delivery, capped at 30 s. */
export function redeliveryDelayMs(deliveryCount: number): number {
  return Math.min(30_000, 250 * 2 ** Math.max(0, Math.min(deliveryCount - 1, 10)));
}

/**
 * The single mapping from a handler's result to a JetStream acknowledgement:
 * success → ack; RetryLater → nak(delay); an OrchError that is not retryable
 * (bad input, refused transition) → term with its code, since redelivery
 * cannot help; anything else → nak with growing delay.
 */
export function outcomeFor(error: unknown, deliveryCount: number): Outcome {
  if (error === undefined) return { kind: 'ack' };
  if (error instanceof RetryLater) return { kind: 'nak', delayMs: error.delayMs };
  if (error instanceof OrchError && !error.retryable) return { kind: 'term', reason: `${error.code}: ${error.message}`.slice(0, 256) };
  return { kind: 'nak', delayMs: redeliveryDelayMs(deliveryCount) };
}
