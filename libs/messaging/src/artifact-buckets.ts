import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { artifactBucket, artifactBucketStream, OrchNames } from '@orch/contracts';

/** Limits of a tenant's artifact bucket. */
export interface ArtifactBucketSettings {
  /** Most bytes the bucket holds in all (`ARTIFACT_BUCKET_MAX_BYTES`); -1: no limit. */
  maxBytes: number;
}

/**
 * Creates the tenant's object-store bucket (`<ns>_artifacts_<tenant>`, file storage, one
 * replica like the streams), or brings an existing bucket's `max_bytes` to `settings`. Workers
 * cannot create buckets (their credentials allow no stream API): a service does it before a
 * worker of the tenant gets work. Safe to run from several replicas at once.
 */
export async function ensureArtifactBucket(nc: NatsConnection, names: OrchNames, tenant: string, settings: ArtifactBucketSettings): Promise<string> {
  const bucket = artifactBucket(names.namespace, tenant);
  const objm = new Objm(nc);
  const create = () => objm.create(bucket, { storage: StorageType.File, replicas: 1, max_bytes: settings.maxBytes, description: `Orch artifacts of tenant ${tenant}` });
  // Two replicas creating it at the same moment: one add wins, the other's info then finds it.
  const store = await create().catch(() => create());
  const info = (await store.status()).streamInfo;
  if (info.config.max_bytes !== settings.maxBytes) {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.update(artifactBucketStream(bucket), { ...info.config, max_bytes: settings.maxBytes });
  }
  return bucket;
}
