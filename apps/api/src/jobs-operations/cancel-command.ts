import { CancelJobCommand, OperatorContext } from '@orch/contracts';
import { digestOf } from '@orch/domain';

/** Idempotency scope of a cancel (the job id is in the digest, not the scope). */
export const CANCEL_SCOPE = 'POST /api/v1/jobs/{id}/cancel';

/**
 * The ledger `cancel` command for `jobId` (a UUID, compared lower-case). The
 * digest covers the job, the reason and the ticket: the same key for another
 * job or with another reason is a 409, a retry of the same cancel replays.
 */
export function buildCancelCommand(jobId: string, operator: OperatorContext, idempotencyKey: string): CancelJobCommand {
  const id = jobId.toLowerCase();
  return {
    jobId: id,
    operator,
    idempotency: {
      key: idempotencyKey,
      scope: CANCEL_SCOPE,
      requestDigest: digestOf({ jobId: id, reason: operator.reason, ticket: operator.ticket ?? null }),
    },
  };
}
