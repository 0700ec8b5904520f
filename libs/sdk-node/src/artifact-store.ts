import { jetstream, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { artifactBucket, artifactObjectName, OrchError } from '@orch/contracts';
import { ArtifactData, ArtifactDigest, countedStream } from './artifact-stream';
import { transportError } from './errors';

/** An artifact's bytes, stored in the tenant's bucket. */
export interface StoredArtifact extends ArtifactDigest {
  bucket: string;
  objectName: string;
}

/** Where and how to store one artifact. */
export interface StoreArtifactParams {
  jobId: string;
  attempt: number;
  name: string;
  data: ArtifactData;
  /** Largest size allowed; the upload stops (and its chunks are purged) past it. */
  maxBytes: number;
  /** Aborts the upload (the job's signal). */
  signal?: AbortSignal;
}

/**
 * The worker's side of its tenant's artifact bucket (`<ns>_artifacts_<tenant>`): puts an
 * attempt's artifact under `<jobId>/<attempt>/<name>`, hashing it on the way, and removes one the
 * ledger refused. It only uses what the worker's NATS credentials allow on its own bucket:
 * chunk and metadata publishes, a message lookup and a purge; no stream is created or inspected
 * (a lease-broker creates the bucket before the tenant's workers get work).
 */
export class ArtifactStoreClient {
  private readonly objm: Objm;
  private store: Promise<ObjectStore> | null = null;
  readonly bucket: string;

  constructor(nc: NatsConnection, namespace: string, tenant: string) {
    // checkAPI off: the account-info call it would make is no part of the worker's permissions.
    this.objm = new Objm(jetstream(nc, { checkAPI: false }));
    this.bucket = artifactBucket(namespace, tenant);
  }

  /**
   * Streams the artifact into the bucket. Refuses a name already stored for the attempt
   * (`artifact_exists`); a source over `maxBytes` (`artifact_too_large`), an aborted signal or a
   * failed chunk stop the upload and purge what was sent.
   */
  async put(p: StoreArtifactParams): Promise<StoredArtifact> {
    const objectName = artifactObjectName(p.jobId, p.attempt, p.name);
    const store = await this.open();
    const existing = await store.info(objectName).catch((err: unknown) => this.fail(err, `look up ${objectName}`));
    if (existing && !existing.deleted) {
      throw new OrchError('artifactExists', `artifact "${p.name}" of job ${p.jobId} attempt ${p.attempt} is already stored in ${this.bucket}; names are unique per attempt`, {
        retryable: false,
      });
    }
    const counted = countedStream(p.data, p.maxBytes, p.signal);
    await store.put({ name: objectName }, counted.stream).catch((err: unknown) => {
      // The source's own failure, the limit or the job's abort reach the caller as they are.
      if (counted.failure() !== undefined && err === counted.failure()) throw err;
      this.fail(err, `store ${objectName}`);
    });
    return { bucket: this.bucket, objectName, ...counted.digest() };
  }

  /** Removes a stored artifact (its chunks are purged); best effort, never throws. */
  async remove(objectName: string): Promise<void> {
    try {
      await (await this.open()).delete(objectName);
    } catch {
      // Left behind, it is an object no ledger record points at: harmless, and never served.
    }
  }

  private open(): Promise<ObjectStore> {
    // `false`: no stream-info call; a missing bucket shows up at the first lookup instead.
    this.store ??= this.objm.open(this.bucket, false);
    return this.store;
  }

  /** A NATS failure as an OrchError naming the bucket: refused credentials `forbidden`, the rest `unavailable` (retryable). */
  private fail(err: unknown, what: string): never {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
      throw new OrchError('unavailable', `artifact bucket ${this.bucket} does not exist yet (a lease-broker creates it when the tenant's workers claim work)`, { cause: err, retryable: true });
    }
    const mapped = transportError(err, `$O.${this.bucket}`, 0);
    if (mapped.code === 'forbidden') throw mapped;
    throw new OrchError('unavailable', `could not ${what} in artifact bucket ${this.bucket}: ${(err as Error)?.message ?? String(err)}`, { cause: err, retryable: true });
  }
}
