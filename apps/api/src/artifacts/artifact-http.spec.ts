import type { ArtifactView } from '@orch/contracts';
import { createHash } from 'node:crypto';
import { artifactEtag, ArtifactVerifier, contentDisposition, downloadHeaders, reprDigest } from './artifact-http';

const bytes = Buffer.from('hello artifact');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const record: ArtifactView = {
  id: '0192f0a0-0000-7000-8000-0000000000f1',
  jobId: '0192f0a0-0000-7000-8000-000000000001',
  attempt: 1,
  name: 'out/report.txt',
  uri: 'nats-obj://orch_artifacts_acme/0192f0a0-0000-7000-8000-000000000001/1/out/report.txt',
  sha256,
  size: bytes.length,
  mime: 'text/plain',
  createdAt: '2026-12-07T10:00:00.000Z',
};

describe('artifact download headers', () => {
  it('writes Repr-Digest as RFC 9530 sha-256 with the base64 of the digest', () => {
    // RFC 9530's own example: the SHA-256 of `{"hello": "world"}`.
    const hex = createHash('sha256').update('{"hello": "world"}').digest('hex');
    expect(reprDigest(hex)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  it('sends the recorded media type and length, a strong ETag, and as an attachment that is never sniffed or run', () => {
    expect(downloadHeaders(record)).toEqual({
      'Content-Type': 'text/plain',
      'Content-Length': String(bytes.length),
      'Repr-Digest': reprDigest(sha256),
      ETag: `"sha256-${sha256}"`,
      'Content-Disposition': 'attachment; filename="report.txt"',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Cache-Control': 'private, max-age=0, must-revalidate',
    });
    expect(artifactEtag('ab')).toBe('"sha256-ab"');
    expect(contentDisposition('plain.bin')).toBe('attachment; filename="plain.bin"');
  });
});

describe('ArtifactVerifier', () => {
  it('gives back the bytes when size and SHA-256 agree with the record, however they were chunked', () => {
    const v = new ArtifactVerifier(record);
    for (let i = 0; i < bytes.length; i += 4) v.add(bytes.subarray(i, i + 4));
    expect(v.finish().equals(bytes)).toBe(true);
  });

  it('refuses bytes of the same size with another digest', () => {
    const v = new ArtifactVerifier(record);
    v.add(Buffer.from('hello ARTIFACT'));
    expect(() => v.finish()).toThrow(expect.objectContaining({ code: 'artifact_digest_mismatch', status: 502, retryable: false }));
  });

  it('refuses a short object at the end and a long one as soon as it passes the recorded size', () => {
    const short = new ArtifactVerifier(record);
    short.add(bytes.subarray(0, 3));
    expect(() => short.finish()).toThrow(/holds 3 bytes, the ledger recorded 14/);
    const long = new ArtifactVerifier(record);
    long.add(bytes);
    expect(() => long.add(Buffer.from('!'))).toThrow(/more than the recorded 14 bytes/);
  });
});
