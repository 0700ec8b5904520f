import { ID_TOKEN_PATTERN } from '@orch/contracts';
import { ChainLink, verifyChain } from '@orch/domain';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { auditFromDb, eventFromDb } from '../ledger-reader';
import { appliedMigrations, DETERMINISTIC_SESSION } from './bundle-export';
import { BundleError, BundleFile, BundleManifest, BUNDLE_FILE_PATTERN, BUNDLE_FORMAT, BUNDLE_VERSION, filesDigest, MANIFEST_FILE } from './bundle-format';
import { BundleTable, describeBundleTables, qualified } from './catalog';
import { assertTenantRows } from './tenant-scope';

/** A bundle read and verified in memory, ready to write. */
export interface VerifiedBundle {
  manifest: BundleManifest;
  /** Raw lines per table (`schema.table`), exactly as exported. */
  lines: Map<string, string[]>;
  /** Per tenant, the verified length of its event and audit chains. */
  chains: { events: Record<string, number>; audit: Record<string, number> };
}

/** What an import did per table. */
export interface ImportedTable {
  table: string;
  rows: number;
  /** Rows written now. */
  inserted: number;
  /** Rows already present with identical content (a repeated import). */
  present: number;
}

/** Hash-chained tables: each row's hash covers its content and links it to the tenant's previous row. */
const CHAINS: { table: string; heads: string; kind: 'events' | 'audit'; view: (r: Record<string, unknown>) => ChainLink }[] = [
  { table: 'ledger.job_events', heads: 'ledger.chain_heads', kind: 'events', view: eventFromDb },
  { table: 'ledger.audit_log', heads: 'ledger.audit_heads', kind: 'audit', view: auditFromDb },
];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function parseManifest(dir: string): BundleManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new BundleError('bundle_invalid', `${dir} has no ${MANIFEST_FILE}: not an Orch state bundle`);
  let m: BundleManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as BundleManifest;
  } catch (err) {
    throw new BundleError('bundle_invalid', `${MANIFEST_FILE} is not JSON: ${(err as Error).message}`);
  }
  if (m?.format !== BUNDLE_FORMAT) throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: format is ${JSON.stringify(m?.format)}, expected "${BUNDLE_FORMAT}"`);
  if (m.version !== BUNDLE_VERSION) throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: version ${JSON.stringify(m.version)} is not supported (this orchctl reads version ${BUNDLE_VERSION})`);
  if (!Array.isArray(m.files) || !Array.isArray(m.schemas) || typeof m.migrations !== 'object' || m.migrations === null || typeof m.digest !== 'string') {
    throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: files, schemas, migrations and digest are required`);
  }
  const seen = new Set<string>();
  for (const f of m.files as BundleFile[]) {
    const ok =
      typeof f?.file === 'string' && BUNDLE_FILE_PATTERN.test(f.file) && f.file === `${f.table}.ndjson` &&
      Number.isSafeInteger(f.rows) && f.rows >= 0 && Number.isSafeInteger(f.bytes) && f.bytes >= 0 && /^[0-9a-f]{64}$/.test(f.sha256 ?? '');
    if (!ok) throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: bad file entry ${JSON.stringify(f).slice(0, 200)}`);
    if (seen.has(f.file)) throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: ${f.file} is listed twice`);
    if (!m.schemas.includes(f.table.split('.')[0])) throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: ${f.table} is outside the bundle's schemas`);
    seen.add(f.file);
  }
  if (m.scope !== undefined && (typeof m.scope !== 'object' || m.scope === null || typeof m.scope.tenant !== 'string' || !ID_TOKEN_PATTERN.test(m.scope.tenant))) {
    throw new BundleError('bundle_invalid', `${MANIFEST_FILE}: scope must be { "tenant": "<tenant id>" }, got ${JSON.stringify(m.scope).slice(0, 200)}`);
  }
  if (filesDigest(m.files, m.scope) !== m.digest) throw new BundleError('bundle_tampered', `${MANIFEST_FILE}: digest does not match the file listing (the manifest was edited)`);
  return m;
}

/**
 * Reads and verifies a bundle without touching any database: the manifest's
 * shape and fingerprint; that the folder holds exactly the listed files, each
 * with its size, SHA-256 and row count; that every line is a JSON object; and
 * that every tenant's event and audit chain recomputes link by link and ends
 * at the head the bundle records; and, for a tenant bundle, that every row is
 * that tenant's ({@link assertTenantRows}). Any failure is a {@link BundleError}.
 */
export function readVerifiedBundle(dir: string): VerifiedBundle {
  const manifest = parseManifest(dir);
  const listed = new Set(manifest.files.map((f) => f.file));
  const extra = readdirSync(dir).filter((f) => f !== MANIFEST_FILE && !listed.has(f));
  if (extra.length) throw new BundleError('bundle_tampered', `files not in the manifest: ${extra.slice(0, 5).join(', ')}`);
  const lines = new Map<string, string[]>();
  for (const f of manifest.files) {
    const path = join(dir, f.file);
    if (!existsSync(path)) throw new BundleError('bundle_tampered', `${f.file} is listed in the manifest but missing`);
    const buf = readFileSync(path);
    if (buf.length !== f.bytes || sha256(buf) !== f.sha256) throw new BundleError('bundle_tampered', `${f.file}: content does not match its SHA-256 in the manifest`);
    const text = buf.toString('utf8');
    const rows = text.length === 0 ? [] : text.slice(0, -1).split('\n');
    if ((text.length > 0 && !text.endsWith('\n')) || rows.length !== f.rows) throw new BundleError('bundle_tampered', `${f.file}: ${rows.length} rows, the manifest says ${f.rows}`);
    rows.forEach((line, i) => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new BundleError('bundle_invalid', `${f.file} line ${i + 1} is not JSON`);
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BundleError('bundle_invalid', `${f.file} line ${i + 1} is not a JSON object`);
    });
    lines.set(f.table, rows);
  }
  if (manifest.scope) {
    const parsed = new Map([...lines].map(([table, rows]) => [table, rows.map((l) => JSON.parse(l) as Record<string, unknown>)]));
    assertTenantRows(manifest.scope.tenant, parsed);
  }
  const chains = { events: {} as Record<string, number>, audit: {} as Record<string, number> };
  for (const c of CHAINS) {
    const entries = (lines.get(c.table) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
    const heads = new Map((lines.get(c.heads) ?? []).map((l) => JSON.parse(l) as { tenant: string; seq: number; hash: string }).map((h) => [h.tenant, h]));
    const byTenant = new Map<string, Record<string, unknown>[]>();
    for (const e of entries) {
      const t = String(e['tenant']);
      byTenant.set(t, [...(byTenant.get(t) ?? []), e]);
    }
    for (const [tenant, rows] of byTenant) {
      const verdict = verifyChain(rows.map(c.view));
      if (!verdict.ok) throw new BundleError('bundle_tampered', `${c.table}: tenant ${tenant}'s chain breaks at seq ${verdict.seq}: ${verdict.reason}`);
      const head = heads.get(tenant);
      if (!head || Number(head.seq) !== rows.length || head.hash !== verdict.head) {
        throw new BundleError('bundle_tampered', `${c.table}: tenant ${tenant}'s chain ends at seq ${rows.length} but ${c.heads} says ${head ? `seq ${head.seq}` : 'nothing'} (entries removed or added)`);
      }
      chains[c.kind][tenant] = rows.length;
    }
    for (const [tenant, head] of heads) {
      if (!byTenant.has(tenant) && Number(head.seq) !== 0) throw new BundleError('bundle_tampered', `${c.heads}: tenant ${tenant} has a head at seq ${head.seq} but no entries in ${c.table}`);
    }
  }
  return { manifest, lines, chains };
}

/** The target database's columns of a table, in table order. */
async function columnsOf(db: Client, t: BundleTable): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [qualified(t)],
  );
  return rows.map((r) => r.attname as string);
}

/**
 * Verifies the bundle ({@link readVerifiedBundle}) and that the database is at
 * the same migrations, then writes it in one transaction: for each table,
 * rows already present with identical content are skipped (so a repeated
 * import changes nothing), a row whose key exists with other content refuses
 * the whole import, the rest are inserted. Nothing is written unless
 * everything is.
 */
export async function importBundle(
  db: Client,
  dir: string,
  opts: { migrationTables: readonly string[]; batchRows?: number; onTable?: (t: ImportedTable) => void },
): Promise<{ bundle: VerifiedBundle; tables: ImportedTable[] }> {
  const bundle = readVerifiedBundle(dir);
  const { manifest } = bundle;
  const have = await appliedMigrations(db, opts.migrationTables);
  for (const [table, names] of Object.entries(manifest.migrations)) {
    const mine = have[table] ?? [];
    if (JSON.stringify(mine) !== JSON.stringify(names)) {
      throw new BundleError('schema_mismatch', `migrations in ${table} differ: the bundle was exported at [${names.join(', ')}], this database is at [${mine.join(', ')}]; run the same Orch version's migrations first`);
    }
  }
  const batch = opts.batchRows ?? 1_000;
  await db.query('BEGIN');
  try {
    for (const s of DETERMINISTIC_SESSION) await db.query(s);
    const targets = new Map((await describeBundleTables(db, manifest.schemas)).map((t) => [t.name, t]));
    for (const f of manifest.files) if (!targets.has(f.table)) throw new BundleError('schema_mismatch', `table ${f.table} of the bundle does not exist in this database`);
    const results: ImportedTable[] = [];
    for (const t of targets.values()) {
      const rows = bundle.lines.get(t.name);
      if (!rows) continue;
      const r = await importTable(db, t, rows, batch);
      results.push(r);
      opts.onTable?.(r);
    }
    for (const t of targets.values()) {
      for (const s of t.sequenceColumns) {
        await db.query(`SELECT setval($1, GREATEST((SELECT max("${s.column}") FROM ${qualified(t)}), 1))`, [s.sequence]);
      }
    }
    await db.query('COMMIT');
    return { bundle, tables: results };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function importTable(db: Client, t: BundleTable, rows: string[], batch: number): Promise<ImportedTable> {
  const columns = await columnsOf(db, t);
  const expected = [...columns].sort().join(',');
  rows.forEach((line, i) => {
    const keys = Object.keys(JSON.parse(line) as object).sort().join(',');
    if (keys !== expected) throw new BundleError('schema_mismatch', `${t.name} line ${i + 1}: columns (${keys}) differ from this database's (${expected})`);
  });
  const staging = `orch_import_${t.schema}_${t.table}`;
  await db.query(`CREATE TEMP TABLE "${staging}" (LIKE ${qualified(t)} INCLUDING DEFAULTS) ON COMMIT DROP`);
  for (let i = 0; i < rows.length; i += batch) {
    await db.query(`INSERT INTO "${staging}" SELECT * FROM json_populate_recordset(NULL::${qualified(t)}, $1::json)`, [`[${rows.slice(i, i + batch).join(',')}]`]);
  }
  const join = t.primaryKey.map((c) => `s."${c}" = d."${c}"`).join(' AND ');
  const conflict = await db.query(
    `SELECT row_to_json(s)::text AS bundle, row_to_json(d)::text AS here FROM "${staging}" s JOIN ${qualified(t)} d ON ${join}
      WHERE row_to_json(s)::text <> row_to_json(d)::text LIMIT 1`,
  );
  if (conflict.rows.length) {
    throw new BundleError('bundle_conflict', `${t.name}: a row with the same key holds other content here; nothing was imported. bundle: ${String(conflict.rows[0].bundle).slice(0, 300)} database: ${String(conflict.rows[0].here).slice(0, 300)}`);
  }
  const inserted = await db.query(`INSERT INTO ${qualified(t)} SELECT * FROM "${staging}" ON CONFLICT DO NOTHING`);
  return { table: t.name, rows: rows.length, inserted: inserted.rowCount ?? 0, present: rows.length - (inserted.rowCount ?? 0) };
}
