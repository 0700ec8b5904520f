import type { AdmissionCandidate, RateLimitAdmitResult } from '@orch/contracts';

/** One admission question: may these jobs of one tenant run now? */
export interface AdmissionRequest {
  tenant: string;
  /** In the scheduler's order (best first); a policy that admits part of them keeps that order. */
  jobs: AdmissionCandidate[];
  now: Date;
  /** The asking envelope's correlation id (recorded with any breaker transition the decision makes). */
  correlationId: string;
}

/**
 * Decides which candidates run now and which are held back (with a reason and
 * a next-eligible time). Token buckets, concurrency caps, quotas and pauses
 * are implementations of this interface; the controller only knows this.
 */
export interface AdmissionPolicy {
  decide(request: AdmissionRequest): Promise<RateLimitAdmitResult>;
}

/** Injection token of the {@link AdmissionPolicy} in use. */
export const ADMISSION_POLICY = Symbol('ADMISSION_POLICY');

/** Admits every candidate: the policy while no limits exist. */
export class AllowAllPolicy implements AdmissionPolicy {
  async decide(request: AdmissionRequest): Promise<RateLimitAdmitResult> {
    return { allowed: request.jobs.map((j) => j.jobId), throttled: [] };
  }
}
