import { jobWindowProblem, OrchError, SubmitJobCommand, SubmitJobRequest } from '@orch/contracts';
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
 * The body with the caller's tenant filled in. A body that names a tenant must
 * name the caller's: the tenant comes from the token, never from the body.
 *
 * @throws OrchError `forbidden` (403) when the body names another tenant; `validation` (400) for a window without a source or ending before it starts.
 */
export function withCallerTenant(body: SubmitJobRequest, tenant: string): SubmitJobRequest & { tenant: string } {
  if (body.tenant !== undefined && body.tenant !== tenant) {
    throw new OrchError('forbidden', 'the body\'s tenant is not the tenant of the token; omit it or send the token\'s tenant', {
      retryable: false,
      errors: [{ path: 'tenant', message: 'tenant must be the tenant of the token (or be omitted)' }],
    });
  }
  const problem = jobWindowProblem(body);
  if (problem) throw new OrchError('validation', `request body: ${problem.path}: ${problem.message}`, { retryable: false, errors: [problem] });
  return { ...body, tenant };
}

/**
 * The ledger `submit` command for a validated body with its tenant filled in
 * ({@link withCallerTenant}). `requestDigest` covers the body (canonical JSON),
 * so the same key with any other body is a 409, while a body that names its
 * tenant and one that leaves it out are the same request.
 */
export function buildSubmitCommand(body: SubmitJobRequest & { tenant: string }, idempotencyKey: string): SubmitJobCommand {
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
