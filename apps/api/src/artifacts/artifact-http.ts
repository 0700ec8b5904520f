import { ArtifactView, OrchError } from '@orch/contracts';
import { createHash, Hash } from 'node:crypto';

/** `Repr-Digest` (RFC 9530) of bytes with this SHA-256: `sha-256=:<base64>:`. */
export function reprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/** A strong ETag: the content's SHA-256, which never changes for an artifact. */
export function artifactEtag(sha256Hex: string): string {
  return `"sha256-${sha256Hex}"`;
}

/** `Content-Disposition` of a download: an attachment named after the artifact's last segment (names are plain ASCII). */
export function contentDisposition(name: string): string {
  return `attachment; filename="${name.slice(name.lastIndexOf('/') + 1)}"`;
}

/**
 * The headers of a verified download. The media type is the worker's, so the bytes are sent as
 * an attachment, never sniffed, under a CSP sandbox: a `text/html` artifact cannot run script on
 * the api's origin (which also serves the dashboard).
 */
export function downloadHeaders(a: ArtifactView): Record<string, string> {
  return {
    'Content-Type': a.mime,
    'Content-Length': String(a.size),
    'Repr-Digest': reprDigest(a.sha256),
    ETag: artifactEtag(a.sha256),
    'Content-Disposition': contentDisposition(a.name),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cache-Control': 'private, max-age=0, must-revalidate',
  };
}

/** 502 `artifact_digest_mismatch`: what the store holds is not what the ledger recorded. */
export function digestMismatch(a: ArtifactView, what: string): OrchError {
  return new OrchError('artifactDigestMismatch', `artifact ${a.id} (${a.uri}) does not match its ledger record: ${what}; nothing was sent`, { retryable: false });
}

/**
 * Checks bytes read from the object store against the ledger's record as they arrive: more
 * bytes than recorded stop the read at once; at the end, size and SHA-256 must both agree.
 */
export class ArtifactVerifier {
  private readonly hash: Hash = createHash('sha256');
  private readonly parts: Uint8Array[] = [];
  private received = 0;

  constructor(private readonly record: ArtifactView) {}

  /** Takes a chunk; throws `artifact_digest_mismatch` once more than the recorded size arrived. */
  add(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > this.record.size) throw digestMismatch(this.record, `the store holds more than the recorded ${this.record.size} bytes`);
    this.hash.update(chunk);
    this.parts.push(chunk);
  }

  /** The verified bytes; throws `artifact_digest_mismatch` on a short object or another digest. */
  finish(): Buffer {
    if (this.received !== this.record.size) throw digestMismatch(this.record, `the store holds ${this.received} bytes, the ledger recorded ${this.record.size}`);
    const sha256 = this.hash.digest('hex');
    if (sha256 !== this.record.sha256) throw digestMismatch(this.record, `SHA-256 ${sha256}, the ledger recorded ${this.record.sha256}`);
    return Buffer.concat(this.parts, this.received);
  }
}
