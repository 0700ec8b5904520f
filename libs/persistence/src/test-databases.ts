/**
 * Databases of their own for this lib's integration tests (`*.int-spec.ts`
 * only; not exported: @orch/testing is out of bounds for a data-access lib).
 */
import { Client } from 'pg';

/** The PostgreSQL the tests create their databases on. */
export const TEST_ADMIN_URL = process.env['ORCH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement (`CREATE DATABASE …`, `DROP DATABASE …`) on the admin database. */
export async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: TEST_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The URL of database `name` on the same server. */
export const testDatabaseUrl = (name: string): string => Object.assign(new URL(TEST_ADMIN_URL), { pathname: `/${name}` }).toString();
