import { OrchError, SubmitJobCommand, SubmitJobRequest } from '@orch/contracts';
import { digestOf } from '@orch/domain';

/** Idempotency scope of a submit: keys are unique per tenant and this scope. */
export const SUBMIT_SCOPE = 'POST /api/v1/jobs';

/** Size of the payload as the ledger stores and workers receive it: its serialized JSON, in bytes. */
export function payloadBytes(payload: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}

/** @throws OrchError `payload_too_large` (413) when the serialized payload exceeds `maxBytes`. */
export function assertPayloadSize(payload: Record<string, unknown>, maxBytes: number): void {
  const size = payloadBytes(payload);
  if (size > maxBytes) {
    throw new OrchError('payloadTooLarge', `payload is ${size} bytes serialized; the limit is ${maxBytes}`, {
      errors: [{ path: 'payload', message: `payload must be at most ${maxBytes} bytes serialized` }],
    });
  }
}

/**
 * The ledger `submit` command for a validated body. `requestDigest` covers the
 * body as sent (canonical JSON), so the same key with any other body is a 409.
 */
export function buildSubmitCommand(body: SubmitJobRequest, idempotencyKey: string): SubmitJobCommand {
  return { ...body, idempotencyKey, requestDigest: digestOf(body), scope: SUBMIT_SCOPE };
}

/**
 * Maps a failed submit command for the caller. No responder and no reply in
 * time both become 503 `unavailable` (the filter adds Retry-After): after a
 * timeout the job may exist, and a retry with the same Idempotency-Key returns
 * it instead of creating another. Refusals from ledger-writer pass through.
 */
export function submitFailure(err: unknown, timeoutMs: number): unknown {
  if (!(err instanceof OrchError)) return err;
  if (err.code === 'timeout') {
    return new OrchError('unavailable', `ledger-writer did not answer within ${timeoutMs} ms; retry with the same Idempotency-Key`, { cause: err });
  }
  if (err.code === 'unavailable') {
    return new OrchError('unavailable', 'ledger-writer is unavailable; retry with the same Idempotency-Key', { cause: err });
  }
  return err;
}
