import { TakeResult, TokenBucket } from '@orch/domain';

/** Rate and burst of every tenant's bucket. */
export interface TenantRateLimits {
  ratePerSecond: number;
  burst: number;
  clock?: () => number;
}

/** Buckets kept before full (idle) ones are dropped. */
export const TENANT_BUCKETS_SWEEP_AT = 10_000;

/**
 * One {@link TokenBucket} per tenant, in this process's memory: the limit is per
 * api replica (ADR 0006). A full bucket behaves exactly like a new one, so idle
 * tenants' buckets are dropped once many have accumulated; memory stays bounded
 * by the tenants active within one refill period.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly clock: () => number;

  constructor(
    readonly limits: TenantRateLimits,
    private readonly sweepAt = TENANT_BUCKETS_SWEEP_AT,
  ) {
    this.clock = limits.clock ?? Date.now;
  }

  /** Takes one request's token from `tenant`'s bucket. */
  take(tenant: string, now: number = this.clock()): TakeResult {
    let bucket = this.buckets.get(tenant);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = new TokenBucket({ ratePerSecond: this.limits.ratePerSecond, burst: this.limits.burst }, now);
      this.buckets.set(tenant, bucket);
    }
    return bucket.take(1, now);
  }

  /** Buckets currently held. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [tenant, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(tenant);
  }
}
