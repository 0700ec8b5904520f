import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Client } from 'pg';
import { BundleError, BundleFile, BundleManifest, BUNDLE_FORMAT, BUNDLE_VERSION, filesDigest, MANIFEST_FILE, manifestText } from './bundle-format';
import { BundleTable, describeBundleTables, keyOrder, qualified } from './catalog';

/** What to export. */
export interface ExportOptions {
  /** Schemas whose tables go into the bundle. */
  schemas: readonly string[];
  /** Migration tables (in `public`) whose applied migrations the manifest records. */
  migrationTables: readonly string[];
  /** Rows fetched per round trip. */
  batchRows?: number;
  /** Called after each table with its file entry (progress output). */
  onTable?: (file: BundleFile) => void;
}

/** Settings that make `row_to_json` text independent of the server's and the session's defaults. */
export const DETERMINISTIC_SESSION = [`SET LOCAL TimeZone = 'UTC'`, `SET LOCAL extra_float_digits = 1`, `SET LOCAL DateStyle = 'ISO, YMD'`, `SET LOCAL IntervalStyle = 'iso_8601'`];

/** The applied migrations of each migration table, oldest first (an absent table: none). */
export async function appliedMigrations(db: Client, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const exists = await db.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`public.${t}`]);
    out[t] = exists.rows[0].ok ? (await db.query(`SELECT name FROM public."${t.replace(/"/g, '""')}" ORDER BY "timestamp", name`)).rows.map((r) => r.name as string) : [];
  }
  return out;
}

/**
 * Writes the bundle into `dir` (which must be empty or absent) from one
 * read-only, repeatable-read snapshot, so chain heads and events agree even
 * while the services keep writing. The same database state always gives the
 * same bytes: rows in primary-key order, values as `row_to_json` prints them
 * under fixed session settings, a manifest without timestamps.
 */
export async function exportBundle(db: Client, dir: string, opts: ExportOptions): Promise<BundleManifest> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new BundleError('bundle_invalid', `export folder ${dir} is not empty`);
  const batch = opts.batchRows ?? 2_000;
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const s of DETERMINISTIC_SESSION) await db.query(s);
    const tables = await describeBundleTables(db, opts.schemas);
    const migrations = await appliedMigrations(db, opts.migrationTables);
    const files: BundleFile[] = [];
    for (const t of tables) {
      const f = await exportTable(db, dir, t, batch);
      files.push(f);
      opts.onTable?.(f);
    }
    await db.query('COMMIT');
    const manifest: BundleManifest = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, schemas: [...opts.schemas], migrations, files, digest: filesDigest(files) };
    writeFileSync(join(dir, MANIFEST_FILE), manifestText(manifest));
    return manifest;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function exportTable(db: Client, dir: string, t: BundleTable, batch: number): Promise<BundleFile> {
  const file = `${t.name}.ndjson`;
  const out = createWriteStream(join(dir, file));
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  const cursor = `orch_export_${rows}_${t.table}`.replace(/[^a-z0-9_]/g, '_');
  await db.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM ${qualified(t)} t ORDER BY ${keyOrder(t)}`);
  try {
    for (;;) {
      const { rows: page } = await db.query(`FETCH ${batch} FROM ${cursor}`);
      if (page.length === 0) break;
      const chunk = page.map((r) => `${r.line}\n`).join('');
      hash.update(chunk);
      bytes += Buffer.byteLength(chunk);
      rows += page.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    await db.query(`CLOSE ${cursor}`).catch(() => undefined);
    out.end();
    await once(out, 'finish');
  }
  return { file, table: t.name, rows, bytes, sha256: hash.digest('hex') };
}
