/**
 * The offline state bundle (`orchctl export` / `orchctl import`): a folder of
 * NDJSON files, one per table, one row per line as PostgreSQL's `row_to_json`
 * writes it (UTC, shortest exact floats), in primary-key order, plus
 * `manifest.json` with each file's row count, size and SHA-256.
 */
import { createHash } from 'node:crypto';

/** `manifest.json` → `format`. */
export const BUNDLE_FORMAT = 'orch-state-bundle';
/** `manifest.json` → `version`: bump when the layout changes. */
export const BUNDLE_VERSION = 1;
/** Name of the manifest in the bundle folder. */
export const MANIFEST_FILE = 'manifest.json';
/** A data file's name: `<schema>.<table>.ndjson`. */
export const BUNDLE_FILE_PATTERN = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.ndjson$/;

/** One data file of a bundle. */
export interface BundleFile {
  file: string;
  /** `schema.table`. */
  table: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** What a tenant bundle holds: one tenant's rows of every table (libs/persistence/src/offline/tenant-scope.ts). */
export interface BundleScope {
  tenant: string;
}

/** `manifest.json`. Deterministic: the same state gives the same manifest, byte for byte. */
export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  /** Only in a tenant bundle; a whole-installation bundle has none. */
  scope?: BundleScope;
  /** Schemas exported. */
  schemas: string[];
  /** Applied migrations per migration table, oldest first: the importing database must have exactly these. */
  migrations: Record<string, string[]>;
  /** In import order (referenced tables first). */
  files: BundleFile[];
  /** SHA-256 of the canonical listing of `scope` and `files` (a fingerprint of the whole bundle). */
  digest: string;
}

/** Why a bundle was refused; `code` is stable for scripts. */
export type BundleErrorCode = 'bundle_invalid' | 'bundle_tampered' | 'bundle_conflict' | 'schema_mismatch';

/** A refused export or import. Nothing was written when an import throws it. */
export class BundleError extends Error {
  constructor(
    readonly code: BundleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

/**
 * The fingerprint of a file listing (order as listed) and, for a tenant
 * bundle, its scope: editing the tenant a bundle claims to hold is tampering.
 * A whole-installation bundle's digest is the listing's alone, as in the first
 * bundles, so those still verify.
 */
export function filesDigest(files: readonly BundleFile[], scope?: BundleScope): string {
  const lines = files.map((f) => `${f.file}\t${f.table}\t${f.rows}\t${f.bytes}\t${f.sha256}`);
  if (scope) lines.unshift(`scope\ttenant=${scope.tenant}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** A bundle's manifest, its fields in their fixed order (so the same state gives the same bytes). */
export function buildManifest(p: { scope?: BundleScope; schemas: readonly string[]; migrations: Record<string, string[]>; files: BundleFile[] }): BundleManifest {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    ...(p.scope ? { scope: { tenant: p.scope.tenant } } : {}),
    schemas: [...p.schemas],
    migrations: p.migrations,
    files: p.files,
    digest: filesDigest(p.files, p.scope),
  };
}

/** The manifest as written: two-space JSON and a final newline. */
export function manifestText(m: BundleManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
