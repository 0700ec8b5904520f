import { DataSource } from 'typeorm';
import { LimitsInit1764300000000 } from './migrations/1764300000000-limits-init';
import { LimitsOutcomes1764600000000 } from './migrations/1764600000000-limits-outcomes';

/** Options for {@link createLimitsDataSource}. */
export interface LimitsDataSourceOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  poolSize?: number;
}

/** Migrations of the limits schema, in order. */
export const LIMITS_MIGRATIONS = [LimitsInit1764300000000, LimitsOutcomes1764600000000];
/** Bookkeeping table of the limits migrations (separate from the ledger's and notify's). */
export const LIMITS_MIGRATIONS_TABLE = 'orch_limits_migrations';

/**
 * A TypeORM data source for the `limits` schema (plain SQL through repositories, no entities).
 * Never `synchronize`: the schema changes only through migrations, which its owner
 * (rate-limiter) runs at boot with {@link runLimitsMigrations}.
 */
export function createLimitsDataSource(opts: LimitsDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    applicationName: opts.applicationName,
    entities: [],
    migrations: LIMITS_MIGRATIONS,
    migrationsTableName: LIMITS_MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    extra: { max: opts.poolSize ?? 10 },
  });
}

/**
 * Applies pending limits migrations. Safe with several replicas starting at once: an advisory
 * lock (its own key) serialises them.
 */
export async function runLimitsMigrations(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`SELECT pg_advisory_lock(hashtext('${LIMITS_MIGRATIONS_TABLE}'))`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await qr.query(`SELECT pg_advisory_unlock(hashtext('${LIMITS_MIGRATIONS_TABLE}'))`).catch(() => undefined);
    await qr.release();
  }
}
