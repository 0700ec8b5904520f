import {
  BundleError,
  BundleFile,
  BundleManifest,
  createLedgerDataSource,
  createLimitsDataSource,
  exportBundle,
  ImportedTable,
  importBundle,
  LIMITS_MIGRATIONS_TABLE,
  readVerifiedBundle,
  runLedgerMigrations,
  runLimitsMigrations,
  VerifiedBundle,
} from '@orch/persistence';
import { Client } from 'pg';

/** The schemas of the offline kit: the ledger (jobs, runs, events, audit, schedules, dead letters) and the limits (rules, pauses, quota state). */
export const STATE_SCHEMAS = ['ledger', 'limits'] as const;
/** Their migration bookkeeping tables. */
export const STATE_MIGRATION_TABLES = ['orch_ledger_migrations', LIMITS_MIGRATIONS_TABLE] as const;

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

/** `orchctl export`: the database's state into a new bundle folder. */
export function exportState(url: string, dir: string, onTable?: (f: BundleFile) => void): Promise<BundleManifest> {
  return withClient(url, (db) => exportBundle(db, dir, { schemas: STATE_SCHEMAS, migrationTables: STATE_MIGRATION_TABLES, onTable }));
}

/** `orchctl verify`: the bundle's manifest, digests and hash chains, without a database. */
export function verifyState(dir: string): VerifiedBundle {
  return readVerifiedBundle(dir);
}

/**
 * `orchctl import`: verifies the bundle first (a tampered one is refused
 * before anything is written), migrates the database, then writes the bundle
 * in one transaction.
 */
export async function importState(url: string, dir: string, onTable?: (t: ImportedTable) => void): Promise<{ bundle: VerifiedBundle; tables: ImportedTable[] }> {
  readVerifiedBundle(dir);
  await migrateStateSchemas(url);
  return withClient(url, (db) => importBundle(db, dir, { migrationTables: STATE_MIGRATION_TABLES, onTable }));
}

export { BundleError };
