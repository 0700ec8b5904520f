import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { OrchNames, orchNames } from '@orch/contracts';

/** PostgreSQL server used by tests (trust auth on this machine). */
export const TEST_PG_ADMIN_URL = process.env['ORCH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** NATS server used by tests. */
export const TEST_NATS_URL = process.env['ORCH_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** A short random suffix, lower-case. */
export function uniqueSuffix(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/** A database of its own for one test file; `drop()` removes it. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database `orch_test_<random>`. */
export async function createTestDatabase(prefix = 'orch_test'): Promise<TestDatabase> {
  const name = `${prefix}_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const base = new URL(TEST_PG_ADMIN_URL);
  base.pathname = `/${name}`;
  return {
    name,
    url: base.toString(),
    async drop() {
      const c = new Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A NATS namespace of its own (subjects `t<random>.…`, streams `T<RANDOM>_…`). */
export interface TestNamespace {
  names: OrchNames;
  nc: NatsConnection;
  /** Deletes the namespace's streams and closes the connection. */
  cleanup(): Promise<void>;
}

export async function createTestNamespace(): Promise<TestNamespace> {
  const names = orchNames(`t${uniqueSuffix()}`);
  const nc = await connect({ servers: TEST_NATS_URL, name: `test:${names.namespace}` });
  return {
    names,
    nc,
    async cleanup() {
      const jsm = await jetstreamManager(nc);
      for (const s of Object.values(names.streams)) await jsm.streams.delete(s).catch(() => undefined);
      await deleteArtifactBuckets(nc, names.namespace);
      await nc.drain().catch(() => undefined);
    },
  };
}

/** Deletes the namespace's artifact buckets (`OBJ_<ns>_artifacts_<tenant>` streams), which the lease-broker creates per tenant. */
export async function deleteArtifactBuckets(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const prefix = `OBJ_${namespace}_artifacts_`;
  const doomed: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) doomed.push(name);
  for (const name of doomed) await jsm.streams.delete(name).catch(() => undefined);
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
