import type { JobStatus } from '@orch/contracts';
import { LEASED_STATUSES } from './state-machine';

/** The lease fields of a job row that fencing compares against. */
export interface LeaseState {
  status: JobStatus;
  leaseId: string | null;
  fencingToken: number;
  leaseExpiresAt: Date | null;
}

/** What a worker presents with every call. */
export interface LeaseClaim {
  leaseId: string;
  fencingToken: number;
}

export type FenceVerdict =
  | { ok: true }
  | { ok: false; reason: 'not_leased' | 'stale_token' | 'lease_expired' };

/**
 * A worker call is accepted only while the job is leased to exactly that lease
 * (same lease id and fencing token) and the lease has not expired. A worker
 * whose lease expired, even if not yet reaped, is refused: the job may already
 * belong to someone else.
 */
export function checkFence(state: LeaseState, claim: LeaseClaim, now: Date): FenceVerdict {
  if (!LEASED_STATUSES.has(state.status)) return { ok: false, reason: 'not_leased' };
  if (state.leaseId !== claim.leaseId || state.fencingToken !== claim.fencingToken) {
    return { ok: false, reason: 'stale_token' };
  }
  if (!state.leaseExpiresAt || state.leaseExpiresAt.getTime() <= now.getTime()) {
    return { ok: false, reason: 'lease_expired' };
  }
  return { ok: true };
}
