import {
  BundleError,
  BundleFile,
  BundleManifest,
  createLedgerDataSource,
  createLimitsDataSource,
  exportBundle,
  ImportedTable,
  importBundle,
  readVerifiedBundle,
  runLedgerMigrations,
  runLimitsMigrations,
  STATE_BUNDLE_MIGRATION_TABLES,
  STATE_BUNDLE_SCHEMAS,
  VerifiedBundle,
  withBundleFolder,
  writeBundleArchive,
} from '@orch/persistence';
import { once } from 'node:events';
import { createWriteStream, rmSync, WriteStream } from 'node:fs';
import { Client } from 'pg';

/** Brings an (empty or older) database to this version's ledger and limits schemas, as ledger-writer and rate-limiter do at boot. */
export async function migrateStateSchemas(url: string): Promise<string[]> {
  const ledger = createLedgerDataSource({ url, applicationName: 'orchctl', poolSize: 2 });
  const limits = createLimitsDataSource({ url, applicationName: 'orchctl', poolSize: 2 });
  await ledger.initialize();
  await limits.initialize();
  try {
    return [...(await runLedgerMigrations(ledger)), ...(await runLimitsMigrations(limits))];
  } finally {
    await ledger.destroy();
    await limits.destroy();
  }
}

async function withClient<T>(url: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url, application_name: 'orchctl' });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Whether `orchctl export --out` names an archive (`.tar`) rather than a folder. */
export const isArchivePath = (path: string): boolean => /\.tar$/i.test(path);

/** What `orchctl export` writes. */
export interface ExportStateOptions {
  /** Only this tenant's rows (a tenant bundle); absent: the whole installation. */
  tenant?: string;
  onTable?: (f: BundleFile) => void;
}

/**
 * `orchctl export`: the database's state into a new bundle folder, or, when
 * `out` ends in `.tar`, into a new archive file (the same bytes
 * `POST /api/v1/exports` answers). A failed archive is removed.
 */
export function exportState(url: string, out: string, opts: ExportStateOptions = {}): Promise<BundleManifest> {
  const options = { schemas: STATE_BUNDLE_SCHEMAS, migrationTables: STATE_BUNDLE_MIGRATION_TABLES, ...opts };
  if (!isArchivePath(out)) return withClient(url, (db) => exportBundle(db, out, options));
  return withClient(url, async (db) => {
    const file = await openNewFile(out);
    try {
      return await writeBundleArchive(db, file, options);
    } catch (err) {
      file.destroy();
      rmSync(out, { force: true });
      throw err;
    }
  });
}

/** A write stream on a file that must not exist yet. */
async function openNewFile(path: string): Promise<WriteStream> {
  const file = createWriteStream(path, { flags: 'wx' });
  try {
    await once(file, 'open');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BundleError('bundle_invalid', `export archive ${path} already exists`);
    throw err;
  }
  return file;
}

/** `orchctl verify`: the bundle's (folder or archive) manifest, digests and hash chains, without a database. */
export function verifyState(path: string): Promise<VerifiedBundle> {
  return withBundleFolder(path, (dir) => readVerifiedBundle(dir));
}

/**
 * `orchctl import`: verifies the bundle (folder or archive) first (a tampered
 * one is refused before anything is written), migrates the database, then
 * writes the bundle in one transaction.
 */
export function importState(url: string, path: string, onTable?: (t: ImportedTable) => void): Promise<{ bundle: VerifiedBundle; tables: ImportedTable[] }> {
  return withBundleFolder(path, async (dir) => {
    readVerifiedBundle(dir);
    await migrateStateSchemas(url);
    return withClient(url, (db) => importBundle(db, dir, { migrationTables: STATE_BUNDLE_MIGRATION_TABLES, onTable }));
  });
}

export { BundleError };
