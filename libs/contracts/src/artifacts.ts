import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { FencedRequest } from './jobs';
import { ID_TOKEN_PATTERN, NAMESPACE_PATTERN } from './names';

/**
 * An artifact name: one or more `/`-separated segments of letters, digits, `_`, `-` and `.`, each
 * starting with a letter, digit or `_`. So no `.` or `..` segment, no absolute path, no empty
 * segment, no backslash, space or control character: a name can never step out of its job's
 * folder in the bucket, nor break a header it appears in.
 */
export const ARTIFACT_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
/**
 * A media type as the download's `Content-Type` sends it: `type/subtype` with optional
 * `; name=value` parameters, in the RFC 6838 character set (no quotes, spaces inside tokens or
 * line breaks, so a worker cannot inject a header).
 */
export const ARTIFACT_MIME_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}(?:; ?[a-z0-9_-]{1,32}=[A-Za-z0-9_.+-]{1,64}){0,4}$/;
/** A SHA-256 digest as lower-case hex. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** Bounds of an artifact. The size limit itself is the lease-broker's `ARTIFACT_MAX_BYTES`. */
export const ArtifactLimits = {
  nameMaxLength: 255,
  mimeMaxLength: 200,
  /** Default of `ARTIFACT_MAX_BYTES`: 64 MiB. */
  maxBytesDefault: 64 * 1024 * 1024,
  /** Highest `ARTIFACT_MAX_BYTES` accepted: 1 GiB (the api buffers a download before it answers). */
  maxBytesCeiling: 1024 * 1024 * 1024,
  /** Media type when the worker names none. */
  mimeDefault: 'application/octet-stream',
} as const;

/** Why `name` cannot be an artifact name, or null when it can. */
export function artifactNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'an artifact name must be a non-empty string';
  if (name.length > ArtifactLimits.nameMaxLength) return `an artifact name must be at most ${ArtifactLimits.nameMaxLength} characters`;
  if (!ARTIFACT_NAME_PATTERN.test(name)) {
    return 'an artifact name is /-separated segments of letters, digits, "_", "-" and ".", each starting with a letter, digit or "_" (no "..", no leading "/")';
  }
  return null;
}

/** Why `mime` cannot be an artifact's media type, or null when it can. */
export function artifactMimeProblem(mime: unknown): string | null {
  if (typeof mime !== 'string' || mime.length > ArtifactLimits.mimeMaxLength || !ARTIFACT_MIME_PATTERN.test(mime)) {
    return 'mime must be a lower-case media type such as text/plain or application/json; charset=utf-8';
  }
  return null;
}

/**
 * The object-store bucket holding one tenant's artifacts: `<namespace>_artifacts_<tenant>`
 * (bucket names allow `[-\w]`, which namespaces and tenant ids stay within), so NATS
 * permissions can give each tenant's workers its own bucket and nothing else.
 */
export function artifactBucket(namespace: string, tenant: string): string {
  if (!NAMESPACE_PATTERN.test(namespace)) throw new Error(`invalid namespace "${namespace}": expected ${NAMESPACE_PATTERN}`);
  if (!ID_TOKEN_PATTERN.test(tenant)) throw new Error(`invalid tenant "${tenant}": expected ${ID_TOKEN_PATTERN}`);
  return `${namespace}_artifacts_${tenant}`;
}

/** The JetStream stream behind a bucket (the object store's own convention, `OBJ_<bucket>`). */
export function artifactBucketStream(bucket: string): string {
  return `OBJ_${bucket}`;
}

/** Where an attempt's artifact lives in its tenant's bucket: `<jobId>/<attempt>/<name>`. */
export function artifactObjectName(jobId: string, attempt: number, name: string): string {
  return `${jobId}/${attempt}/${name}`;
}

/** The uri the ledger records: `nats-obj://<bucket>/<jobId>/<attempt>/<name>`. */
export function artifactUri(bucket: string, objectName: string): string {
  return `nats-obj://${bucket}/${objectName}`;
}

/** The bucket and object name of an artifact uri, or null when it is not one. */
export function parseArtifactUri(uri: string): { bucket: string; objectName: string } | null {
  const m = /^nats-obj:\/\/([-\w]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1], objectName: m[2] } : null;
}

/**
 * Worker verb and ledger command `artifact`: records an artifact the worker has stored in its
 * tenant's bucket under `<jobId>/<attempt>/<name>`, while the attempt holds its lease. The ledger
 * derives the uri from the job and the name; a name already recorded for the attempt with the
 * same digest, size and media type answers that record again, with others `artifact_exists`.
 */
export class ArtifactRequest extends FencedRequest {
  @IsString()
  @MaxLength(ArtifactLimits.nameMaxLength)
  @Matches(ARTIFACT_NAME_PATTERN, { message: 'name must be /-separated segments of [A-Za-z0-9._-], each starting with a letter, digit or _' })
  name!: string;

  @Matches(SHA256_HEX_PATTERN, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256!: string;

  /** Bytes; the lease-broker refuses more than its `ARTIFACT_MAX_BYTES`. */
  @IsInt()
  @Min(0)
  @Max(ArtifactLimits.maxBytesCeiling)
  size!: number;

  @IsString()
  @MaxLength(ArtifactLimits.mimeMaxLength)
  @Matches(ARTIFACT_MIME_PATTERN, { message: 'mime must be a lower-case media type such as text/plain or application/json; charset=utf-8' })
  mime!: string;
}

/** An artifact as the ledger records it (the data of its `job.artifact` event) and the api lists it. */
export interface ArtifactView {
  /** The id of its `job.artifact` ledger event. */
  id: string;
  jobId: string;
  attempt: number;
  name: string;
  /** `nats-obj://<bucket>/<jobId>/<attempt>/<name>`. */
  uri: string;
  /** SHA-256 of the bytes, lower-case hex. */
  sha256: string;
  size: number;
  mime: string;
  createdAt: string;
}

/** Reply of `artifact`: the record, and whether this call made it (false: the same artifact was recorded before). */
export interface RecordArtifactResult {
  artifact: ArtifactView;
  created: boolean;
}

/** The fields of a `job.artifact` event's data. */
export type ArtifactEventData = Pick<ArtifactView, 'name' | 'uri' | 'sha256' | 'size' | 'mime'>;

/** The artifact a `job.artifact` ledger event records, or null when its data is not one. */
export function artifactOfEvent(event: { id: string; jobId: string; attempt: number; occurredAt: string; data: Record<string, unknown> }): ArtifactView | null {
  const d = event.data;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const name = str('name');
  const uri = str('uri');
  const sha256 = str('sha256');
  const mime = str('mime');
  if (name === null || uri === null || sha256 === null || mime === null || typeof d['size'] !== 'number') return null;
  return { id: event.id, jobId: event.jobId, attempt: event.attempt, name, uri, sha256, size: d['size'], mime, createdAt: event.occurredAt };
}
