import { ErrorBody, OrchError } from '@orch/contracts';

// The wire helpers live in @orch/contracts (the worker SDK shares them); re-exported for services.
export { decodeEnvelope, decodeReply, encodeJson, errorReply, makeEnvelope, okReply } from '@orch/contracts';

/** Any thrown value as an error body; unknown errors become `internal` (detail kept generic). */
export function toErrorBody(err: unknown, traceId?: string): ErrorBody {
  if (err instanceof OrchError) return err.toBody(traceId);
  return new OrchError('internal', 'internal error', { cause: err }).toBody(traceId);
}
