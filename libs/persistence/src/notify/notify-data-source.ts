import { DataSource } from 'typeorm';
import { AuditOutboxEntity, DeliveryAttemptEntity, DeliveryEntity, WebhookEntity } from './notify.entities';
import { NotifyInit1764000000000 } from './migrations/1764000000000-notify-init';
import { NotifyIdempotency1764100000000 } from './migrations/1764100000000-notify-idempotency';

/** Options for {@link createNotifyDataSource}. */
export interface NotifyDataSourceOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  poolSize?: number;
}

/** Entities of the notify schema. */
export const NOTIFY_ENTITIES = [WebhookEntity, DeliveryEntity, DeliveryAttemptEntity, AuditOutboxEntity];
/** Migrations of the notify schema, in order. */
export const NOTIFY_MIGRATIONS = [NotifyInit1764000000000, NotifyIdempotency1764100000000];
/** Bookkeeping table of the notify migrations (separate from the ledger's, same database allowed). */
export const NOTIFY_MIGRATIONS_TABLE = 'orch_notify_migrations';

/**
 * A TypeORM data source for the `notify` schema. Never `synchronize`: the
 * schema changes only through migrations, which its owner (event-notifier)
 * runs at boot with {@link runNotifyMigrations}.
 */
export function createNotifyDataSource(opts: NotifyDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    applicationName: opts.applicationName,
    entities: NOTIFY_ENTITIES,
    migrations: NOTIFY_MIGRATIONS,
    migrationsTableName: NOTIFY_MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    extra: { max: opts.poolSize ?? 10 },
  });
}

/**
 * Applies pending notify migrations. Safe with several replicas starting at
 * once: an advisory lock (its own key, not the ledger's) serialises them.
 */
export async function runNotifyMigrations(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`SELECT pg_advisory_lock(hashtext('${NOTIFY_MIGRATIONS_TABLE}'))`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await qr.query(`SELECT pg_advisory_unlock(hashtext('${NOTIFY_MIGRATIONS_TABLE}'))`).catch(() => undefined);
    await qr.release();
  }
}
