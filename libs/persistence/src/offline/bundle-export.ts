import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ClientBase } from 'pg';
import { buildManifest, BundleError, BundleFile, BundleManifest, BundleScope, MANIFEST_FILE, manifestText } from './bundle-format';
import { BundleTable, describeBundleTables, keyOrder, qualified } from './catalog';
import { tenantWhere } from './tenant-scope';

/** What to export. */
export interface ExportOptions {
  /** Schemas whose tables go into the bundle. */
  schemas: readonly string[];
  /** Migration tables (in `public`) whose applied migrations the manifest records. */
  migrationTables: readonly string[];
  /** Only this tenant's rows of every table (a tenant bundle, ADR 0019); absent: the whole installation. */
  tenant?: string;
  /** Rows fetched per round trip. */
  batchRows?: number;
  /** Called after each table with its file entry (progress output). */
  onTable?: (file: BundleFile) => void;
}

/** The connection an export reads through: a pg `Client` or a pooled client. */
export type ExportClient = Pick<ClientBase, 'query'>;

/** Settings that make `row_to_json` text independent of the server's and the session's defaults. */
export const DETERMINISTIC_SESSION = [`SET LOCAL TimeZone = 'UTC'`, `SET LOCAL extra_float_digits = 1`, `SET LOCAL DateStyle = 'ISO, YMD'`, `SET LOCAL IntervalStyle = 'iso_8601'`];

/** Rows fetched per round trip unless {@link ExportOptions.batchRows} says otherwise. */
export const EXPORT_BATCH_ROWS_DEFAULT = 2_000;

/** The applied migrations of each migration table, oldest first (an absent table: none). */
export async function appliedMigrations(db: ExportClient, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const exists = await db.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`public.${t}`]);
    out[t] = exists.rows[0].ok ? (await db.query(`SELECT name FROM public."${t.replace(/"/g, '""')}" ORDER BY "timestamp", name`)).rows.map((r) => r.name as string) : [];
  }
  return out;
}

/** One table as an export reads it: which rows (`where`, the tenant as `$1`) in which order. */
export interface ExportTable extends BundleTable {
  where: string;
}

/** What an export reads, resolved inside its snapshot. */
export interface ExportPlan {
  tables: ExportTable[];
  migrations: Record<string, string[]>;
  scope?: BundleScope;
}

/**
 * Opens the export's snapshot (one `REPEATABLE READ READ ONLY` transaction
 * under {@link DETERMINISTIC_SESSION}) and resolves its tables from the
 * catalog; for a tenant bundle each table's filter, refusing a table no tenant
 * scope is declared for. The caller ends the transaction.
 */
export async function beginExport(db: ExportClient, opts: ExportOptions): Promise<ExportPlan> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  for (const s of DETERMINISTIC_SESSION) await db.query(s);
  const described = await describeBundleTables(db, opts.schemas);
  const tables = described.map((t) => ({ ...t, where: opts.tenant === undefined ? '' : tenantWhere(t) }));
  const migrations = await appliedMigrations(db, opts.migrationTables);
  return { tables, migrations, ...(opts.tenant === undefined ? {} : { scope: { tenant: opts.tenant } }) };
}

/**
 * Writes the bundle into `dir` (which must be empty or absent) from one
 * read-only, repeatable-read snapshot, so chain heads and events agree even
 * while the services keep writing. The same database state always gives the
 * same bytes: rows in primary-key order, values as `row_to_json` prints them
 * under fixed session settings, a manifest without timestamps.
 */
export async function exportBundle(db: ExportClient, dir: string, opts: ExportOptions): Promise<BundleManifest> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new BundleError('bundle_invalid', `export folder ${dir} is not empty`);
  try {
    const plan = await beginExport(db, opts);
    const files: BundleFile[] = [];
    for (const t of plan.tables) {
      const out = createWriteStream(join(dir, `${t.name}.ndjson`));
      try {
        files.push(await scanTable(db, t, plan, opts.batchRows, (chunk) => (out.write(chunk) ? undefined : once(out, 'drain'))));
      } finally {
        out.end();
        await once(out, 'finish');
      }
      opts.onTable?.(files[files.length - 1]);
    }
    await db.query('COMMIT');
    const manifest = buildManifest({ scope: plan.scope, schemas: opts.schemas, migrations: plan.migrations, files });
    writeFileSync(join(dir, MANIFEST_FILE), manifestText(manifest));
    return manifest;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Reads one table's rows of the plan through a cursor, `batch` rows per round
 * trip, hands each batch's NDJSON text to `sink` (awaited: backpressure) and
 * returns the file entry (rows, bytes, SHA-256). Without a sink it only
 * measures, which is what the first pass of an archive does.
 */
export async function scanTable(
  db: ExportClient,
  t: ExportTable,
  plan: Pick<ExportPlan, 'scope'>,
  batch = EXPORT_BATCH_ROWS_DEFAULT,
  sink?: (chunk: string) => unknown,
): Promise<BundleFile> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  const cursor = `orch_export_${t.schema}_${t.table}`.replace(/[^a-z0-9_]/g, '_');
  const params = plan.scope ? [plan.scope.tenant] : [];
  await db.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM ${qualified(t)} t ${t.where} ORDER BY ${keyOrder(t)}`, params);
  try {
    for (;;) {
      const { rows: page } = await db.query(`FETCH ${batch} FROM ${cursor}`);
      if (page.length === 0) break;
      const chunk = page.map((r) => `${r.line}\n`).join('');
      hash.update(chunk);
      bytes += Buffer.byteLength(chunk);
      rows += page.length;
      if (sink) await sink(chunk);
    }
  } finally {
    await db.query(`CLOSE ${cursor}`).catch(() => undefined);
  }
  return { file: `${t.name}.ndjson`, table: t.name, rows, bytes, sha256: hash.digest('hex') };
}
