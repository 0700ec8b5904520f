import type { BundleManifest } from '@orch/persistence';
import { EXPORT_SCOPE, exportAuditCommand, exportHeaders } from './export-command';

const manifest = {
  digest: 'ab12cd34ef56'.padEnd(64, '0'),
  files: [
    { file: 'ledger.jobs.ndjson', table: 'ledger.jobs', rows: 3, bytes: 900, sha256: 'a'.repeat(64) },
    { file: 'limits.rules.ndjson', table: 'limits.rules', rows: 1, bytes: 120, sha256: 'b'.repeat(64) },
  ],
} as BundleManifest;
const operator = { subject: 'ops@acme', scopes: ['orch:operate'], reason: 'move to the offline site' };

describe('exportAuditCommand', () => {
  it('records which bundle left (digest and counts, no content) on the tenant, idempotent per key', () => {
    expect(exportAuditCommand('acme', manifest, operator, 'k1')).toEqual({
      action: 'state.export',
      targetType: 'tenant',
      targetId: 'acme',
      after: { bundleDigest: manifest.digest, files: 2, rows: 4, tables: { 'ledger.jobs': 3, 'limits.rules': 1 } },
      operator,
      idempotency: { key: 'k1', scope: EXPORT_SCOPE, requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('digests the reason and the ticket but not the bundle: a retry once the state moved on is the same request', () => {
    const digest = (m: BundleManifest, op: typeof operator & { ticket?: string }) => exportAuditCommand('acme', m, op, 'k1').idempotency!.requestDigest;
    const moved = { ...manifest, digest: 'f'.repeat(64) } as BundleManifest;
    expect(digest(moved, operator)).toBe(digest(manifest, operator));
    expect(digest(manifest, { ...operator, reason: 'another reason' })).not.toBe(digest(manifest, operator));
    expect(digest(manifest, { ...operator, ticket: 'OPS-1' })).not.toBe(digest(manifest, operator));
  });
});

describe('exportHeaders', () => {
  it('names the archive after the tenant and the digest, with its exact size and the digest itself', () => {
    expect(exportHeaders('acme', manifest, 12_800)).toEqual({
      'Content-Type': 'application/x-tar',
      'Content-Length': '12800',
      'Content-Disposition': 'attachment; filename="orch-acme-ab12cd34ef56.tar"',
      'X-Orch-Bundle-Digest': manifest.digest,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
});
