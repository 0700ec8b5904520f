import { JobStatus, TERMINAL_STATUSES } from '@orch/contracts';

/**
 * Allowed job state transitions. Everything not listed is refused; terminal
 * states have no way out. `leased` may end directly (a worker that never sent
 * `start`), and both `leased` and `running` go back to `queued` on a retryable
 * failure or an expired lease.
 */
const ALLOWED: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['queued', 'canceled'],
  queued: ['throttled', 'leased', 'canceled'],
  throttled: ['queued', 'canceled'],
  leased: ['running', 'queued', 'succeeded', 'failed', 'canceled', 'timed_out'],
  running: ['queued', 'succeeded', 'failed', 'canceled', 'timed_out'],
  succeeded: [],
  failed: [],
  canceled: [],
  timed_out: [],
};

/** True when `from → to` is a legal transition. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Every legal target from a state (for docs and exhaustive tests). */
export function allowedTransitions(from: JobStatus): readonly JobStatus[] {
  return ALLOWED[from];
}

/** A refused transition; `reason` is a stable code. */
export class TransitionRefused extends Error {
  constructor(
    readonly from: JobStatus,
    readonly to: JobStatus,
    readonly reason: 'terminal' | 'not_allowed',
  ) {
    super(`transition ${from} → ${to} refused: ${reason === 'terminal' ? `${from} is terminal` : 'not allowed'}`);
    this.name = 'TransitionRefused';
  }
}

/** Asserts a transition; throws {@link TransitionRefused} with the reason. */
export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (canTransition(from, to)) return;
  throw new TransitionRefused(from, to, TERMINAL_STATUSES.has(from) ? 'terminal' : 'not_allowed');
}

/** States in which a worker holds a lease on the job. */
export const LEASED_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([JobStatus.leased, JobStatus.running]);
