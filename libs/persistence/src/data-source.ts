import { DataSource } from 'typeorm';
import { JobEntity } from './entities/job.entity';
import { DeadLetterEntity, JobEventEntity } from './entities/job-event.entity';
import { LedgerInit1763800000000 } from './migrations/1763800000000-ledger-init';
import { LedgerControlPlane1763900000000 } from './migrations/1763900000000-control-plane';
import { LedgerJobSourceAndThrottle1764200000000 } from './migrations/1764200000000-job-source-and-throttle';
import { LedgerRuns1764400000000 } from './migrations/1764400000000-runs';
import { LedgerSchedules1764500000000 } from './migrations/1764500000000-schedules';
import { LedgerDeadLetterReplays1764700000000 } from './migrations/1764700000000-dead-letter-replays';
import { LedgerExecutionDeadline1764800000000 } from './migrations/1764800000000-execution-deadline';
import { LedgerRunReplays1764900000000 } from './migrations/1764900000000-run-replays';
import { LedgerBackfills1765100000000 } from './migrations/1765100000000-backfills';

/** Options for {@link createLedgerDataSource}. */
export interface LedgerDataSourceOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  poolSize?: number;
  /** Every transaction read-only (readers: api, scheduler, lease-broker). */
  readOnly?: boolean;
}

/** Entities of the ledger schema. */
export const LEDGER_ENTITIES = [JobEntity, JobEventEntity, DeadLetterEntity];
/** Migrations of the ledger schema, in order. */
export const LEDGER_MIGRATIONS = [LedgerInit1763800000000, LedgerControlPlane1763900000000, LedgerJobSourceAndThrottle1764200000000, LedgerRuns1764400000000, LedgerSchedules1764500000000, LedgerDeadLetterReplays1764700000000, LedgerExecutionDeadline1764800000000, LedgerRunReplays1764900000000, LedgerBackfills1765100000000];

/**
 * A TypeORM data source for the ledger schema. Never `synchronize`: the schema
 * changes only through migrations, which the owner (ledger-writer) runs at boot
 * with {@link runLedgerMigrations}.
 */
export function createLedgerDataSource(opts: LedgerDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    applicationName: opts.applicationName,
    entities: LEDGER_ENTITIES,
    migrations: LEDGER_MIGRATIONS,
    migrationsTableName: 'orch_ledger_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: opts.poolSize ?? 10,
      ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    },
  });
}

/**
 * Applies pending ledger migrations. Safe with several replicas starting at
 * once: a transaction-level advisory lock serialises them.
 */
export async function runLedgerMigrations(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`SELECT pg_advisory_lock(hashtext('orch_ledger_migrations'))`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await qr.query(`SELECT pg_advisory_unlock(hashtext('orch_ledger_migrations'))`).catch(() => undefined);
    await qr.release();
  }
}
