import { Inject, Injectable } from '@nestjs/common';
import { jetstream, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { artifactBucket, ArtifactView, OrchError, OrchNames, parseArtifactUri } from '@orch/contracts';
import { NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { ArtifactVerifier, digestMismatch } from './artifact-http';

/** Longest wait for the next chunk of an object being read (a stalled read is `unavailable`, not a mismatch). */
export const CHUNK_IDLE_TIMEOUT_MS = 15_000;

const missing = (a: ArtifactView, why: string) =>
  new OrchError('artifactMissing', `artifact ${a.id} (${a.uri}) is recorded in the ledger but ${why}; nothing was sent`, { retryable: false });

/**
 * Reads an artifact's bytes from its tenant's bucket and checks them against the ledger's record
 * before anything is sent: the bucket must be the tenant's, the object present with the recorded
 * size and all its chunks, and the bytes must hash to the recorded SHA-256. The whole object is
 * buffered (at most `ARTIFACT_MAX_BYTES`, the size limit it was recorded under) so a mismatch is
 * a 502 problem, never a truncated or altered download.
 */
@Injectable()
export class ArtifactObjectReader {
  private readonly objm: Objm;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
  ) {
    // No account-info round trip before every download: the services' connection has JetStream.
    this.objm = new Objm(jetstream(nc, { checkAPI: false }));
  }

  /** The verified bytes of `a`, an artifact of `tenant`. */
  async read(tenant: string, a: ArtifactView): Promise<Buffer> {
    const loc = parseArtifactUri(a.uri);
    // The ledger derives the uri from the tenant; a record pointing elsewhere is never followed.
    if (!loc || loc.bucket !== artifactBucket(this.names.namespace, tenant)) throw missing(a, 'its uri is not in the tenant\'s bucket');
    const store = await this.objm.open(loc.bucket, false);
    const info = await this.nats(a, () => store.info(loc.objectName));
    if (!info || info.deleted) throw missing(a, 'the object store holds no such object');
    if (info.size !== a.size) throw digestMismatch(a, `the store's object is ${info.size} bytes, the ledger recorded ${a.size}`);
    await this.expectChunks(a, store, loc.bucket, info.nuid, info.chunks);
    const result = await this.nats(a, () => store.get(loc.objectName));
    if (!result) throw missing(a, 'the object store holds no such object');
    const verifier = new ArtifactVerifier(a);
    const reader = result.data.getReader();
    try {
      for (;;) {
        const { done, value } = await withIdleTimeout(reader.read(), a);
        if (done) break;
        verifier.add(value);
      }
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      if (err instanceof OrchError) throw err;
      // The client library's own check of the chunks against the object's metadata.
      if (/corrupt object|digests do not match/i.test((err as Error)?.message ?? '')) throw digestMismatch(a, 'its chunks do not hash to the stored digest');
      throw new OrchError('unavailable', `artifact ${a.id} could not be read from the object store; retry later`, { cause: err });
    }
    return verifier.finish();
  }

  /** Refuses an object whose chunks are not all there (a read would wait for them forever). */
  private async expectChunks(a: ArtifactView, store: ObjectStore, bucket: string, nuid: string, expected: number): Promise<void> {
    const subject = `$O.${bucket}.C.${nuid}`;
    const status = await this.nats(a, () => store.status({ subjects_filter: subject }));
    const stored = status.streamInfo.state.subjects?.[subject] ?? 0;
    if (stored !== expected) throw digestMismatch(a, `the store holds ${stored} of its ${expected} chunks`);
  }

  /** A NATS call: a missing bucket is `artifact_missing`, any other failure `unavailable` (503). */
  private async nats<T>(a: ArtifactView, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) throw missing(a, 'the tenant\'s artifact bucket does not exist');
      throw new OrchError('unavailable', `the object store cannot be read right now (${(err as Error)?.message ?? String(err)}); retry later`, { cause: err });
    }
  }
}

/** `read`, or `unavailable` when no chunk arrives for {@link CHUNK_IDLE_TIMEOUT_MS}. */
async function withIdleTimeout<T>(read: Promise<T>, a: ArtifactView): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OrchError('unavailable', `reading artifact ${a.id} stalled for ${CHUNK_IDLE_TIMEOUT_MS} ms; retry later`)), CHUNK_IDLE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
