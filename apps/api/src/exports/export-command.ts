import { AppendAuditCommand, OperatorContext } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { BUNDLE_ARCHIVE_MEDIA_TYPE, type BundleManifest } from '@orch/persistence';

/** Idempotency scope of the export's audit entry. */
export const EXPORT_SCOPE = 'POST /api/v1/exports';
/** Audit action of a tenant export. */
export const EXPORT_AUDIT_ACTION = 'state.export';
/** Response header carrying the manifest's `digest` (the bundle's fingerprint). */
export const BUNDLE_DIGEST_HEADER = 'X-Orch-Bundle-Digest';

/**
 * The `ledger-writer.audit` command recording an export: who, why, and which
 * bundle left (its digest and row counts, no content). The idempotency digest
 * covers reason and ticket only: a retried download with the same key is not
 * audited twice, whatever the state is by then.
 */
export function exportAuditCommand(tenant: string, manifest: BundleManifest, operator: OperatorContext, idempotencyKey: string): AppendAuditCommand {
  const rows = Object.fromEntries(manifest.files.map((f) => [f.table, f.rows]));
  return {
    action: EXPORT_AUDIT_ACTION,
    targetType: 'tenant',
    targetId: tenant,
    after: { bundleDigest: manifest.digest, files: manifest.files.length, rows: manifest.files.reduce((n, f) => n + f.rows, 0), tables: rows },
    operator,
    idempotency: { key: idempotencyKey, scope: EXPORT_SCOPE, requestDigest: digestOf({ reason: operator.reason, ticket: operator.ticket ?? null }) },
  };
}

/** `orch-<tenant>-<first 12 hex digits of the digest>.tar`: a name that says whose and which bundle. */
export function exportFileName(tenant: string, manifest: Pick<BundleManifest, 'digest'>): string {
  return `orch-${tenant}-${manifest.digest.slice(0, 12)}.tar`;
}

/** The headers of an export's answer, sent once the bundle is measured and its export audited. */
export function exportHeaders(tenant: string, manifest: Pick<BundleManifest, 'digest'>, archiveBytes: number): Record<string, string> {
  return {
    'Content-Type': BUNDLE_ARCHIVE_MEDIA_TYPE,
    'Content-Length': String(archiveBytes),
    // Tenant ids are `[a-z0-9_-]`, so the name needs no quoting beyond the quotes.
    'Content-Disposition': `attachment; filename="${exportFileName(tenant, manifest)}"`,
    [BUNDLE_DIGEST_HEADER]: manifest.digest,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}
