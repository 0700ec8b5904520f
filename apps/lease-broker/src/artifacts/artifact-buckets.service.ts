import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ArtifactRequest, OrchError, OrchNames } from '@orch/contracts';
import { ensureArtifactBucket, NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { LeaseBrokerConfig } from '../config';

/** How long a tenant's bucket is taken to exist after it was ensured (then checked again). */
export const BUCKET_CHECK_TTL_MS = 60_000;

/**
 * The artifacts side of the broker: makes sure a tenant's object-store bucket exists before its
 * workers get work (they may not create streams), and holds artifact records to
 * `ARTIFACT_MAX_BYTES`. One JetStream call per tenant per {@link BUCKET_CHECK_TTL_MS}, not per claim.
 */
@Injectable()
export class ArtifactBuckets {
  private readonly logger = new Logger('ArtifactBuckets');
  private readonly ensured = new Map<string, { at: number; done: Promise<void> }>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: LeaseBrokerConfig,
  ) {}

  /** Largest artifact a worker may publish, as allocations tell it. */
  get maxBytes(): number {
    return this.config.ARTIFACT_MAX_BYTES;
  }

  /**
   * Ensures the tenant's bucket. Never throws: a claim must not fail because of artifacts (the job
   * still runs; a publish then fails in the worker with a clear error). Concurrent claims share one call.
   */
  async ensure(tenant: string, now = Date.now()): Promise<void> {
    const known = this.ensured.get(tenant);
    if (known && now - known.at < BUCKET_CHECK_TTL_MS) return known.done;
    const done = ensureArtifactBucket(this.nc, this.names, tenant, { maxBytes: this.config.ARTIFACT_BUCKET_MAX_BYTES }).then(
      () => undefined,
      (err: unknown) => {
        this.ensured.delete(tenant);
        this.logger.warn(`artifact bucket of tenant ${tenant} could not be ensured: ${(err as Error)?.message ?? String(err)}`);
      },
    );
    this.ensured.set(tenant, { at: now, done });
    return done;
  }

  /** Refuses a record over `ARTIFACT_MAX_BYTES` (413 `artifact_too_large`) before it reaches the ledger. */
  checkSize(req: ArtifactRequest): void {
    if (req.size > this.maxBytes) {
      throw new OrchError('artifactTooLarge', `artifact "${req.name}" is ${req.size} bytes; the limit is ${this.maxBytes} (ARTIFACT_MAX_BYTES)`, { retryable: false });
    }
  }
}
