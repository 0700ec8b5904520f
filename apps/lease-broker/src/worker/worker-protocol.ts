import { OrchError, WorkerLimits } from '@orch/contracts';

/** Lease and wait limits a claim is held to (from config). */
export interface ClaimLimits {
  leaseDefaultMs: number;
  leaseMaxMs: number;
  claimWaitMaxMs: number;
}

/** The lease and long-poll a claim gets. */
export interface ClaimTerms {
  leaseMs: number;
  waitMs: number;
}

/**
 * The tenant token of a worker subject `<ns>.worker.<tenant>.<verb>`. Namespaces
 * and tenants hold no dots, so it is always the third token.
 */
export function tenantOfWorkerSubject(subject: string): string | undefined {
  const tokens = subject.split('.');
  return tokens.length === 4 && tokens[1] === 'worker' ? tokens[2] : undefined;
}

/**
 * Refuses a request whose envelope names another tenant than its subject.
 * NATS permissions restrict a worker to its tenant's subjects, so the subject
 * is the tenant we trust.
 */
export function assertSubjectTenant(subject: string, envelopeTenant: string): void {
  const tenant = tenantOfWorkerSubject(subject);
  if (tenant === undefined || tenant !== envelopeTenant) {
    throw new OrchError('validation', 'tenant in subject and envelope differ', {
      retryable: false,
      errors: [{ path: 'tenant', message: `subject ${subject} is not for tenant ${envelopeTenant}` }],
    });
  }
}

/** Lease: asked (or default) clamped to [leaseMinMs, leaseMaxMs]; wait: asked (or 0) capped at claimWaitMaxMs. */
export function claimTerms(req: { leaseMs?: number; waitMs?: number }, limits: ClaimLimits): ClaimTerms {
  const asked = req.leaseMs ?? limits.leaseDefaultMs;
  const leaseMs = Math.min(Math.max(asked, WorkerLimits.leaseMinMs), limits.leaseMaxMs);
  const waitMs = Math.max(0, Math.min(req.waitMs ?? 0, limits.claimWaitMaxMs));
  return { leaseMs, waitMs };
}
