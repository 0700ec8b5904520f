/**
 * Helpers of the offline-kit end-to-end tests (offline-kit.e2e-spec.ts,
 * tenant-export.e2e-spec.ts): `orchctl` run as the installed bin, what a
 * database's state tables hold, and bundle folders and archives taken apart
 * and put back together as a forger would.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleManifest, filesDigest, MANIFEST_FILE } from '@orch/persistence';
import { E2eCluster, TestDatabase, waitFor } from '@orch/testing';
import { Client } from 'pg';
import * as tar from 'tar-stream';

const ROOT = join(__dirname, '..', '..');

/** Runs the installed bin (`bin/orchctl.js`) as a real process. */
export function orchctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'orchctl.js'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Waits until `count` jobs of the cluster have ended (succeeded, failed or canceled). */
export async function jobsEnded(cluster: E2eCluster, count: number): Promise<void> {
  await waitFor(async () => (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE status IN ('succeeded', 'failed', 'canceled')`)).rows[0].n === count, {
    timeoutMs: 120_000,
    what: `${count} jobs ended`,
  });
}

/** Stops the cluster, drops the databases made for imports and removes the work folder. */
export async function tearDownKit(cluster: E2eCluster, dbs: TestDatabase[], work: string): Promise<void> {
  await cluster.stop();
  for (const db of dbs) await db.drop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

/** Every file of a folder, by name. */
export const folderFiles = (dir: string): Record<string, Buffer> => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

/** Row counts of every table of the ledger and limits schemas (absent schemas: none). */
export async function stateRowCounts(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT schemaname || '.' || relname AS t FROM pg_stat_user_tables WHERE schemaname IN ('ledger', 'limits') ORDER BY 1`);
    const out: Record<string, number> = {};
    for (const r of rows) out[r.t] = Number((await c.query(`SELECT count(*) AS n FROM ${r.t}`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

/** A file's NDJSON lines with `edit` applied, and the manifest entry and digest recomputed to match, as a careful forger would. */
export function forgeFiles(files: Map<string, Buffer>, file: string, edit: (lines: string[]) => string[]): void {
  const text = files.get(file)!.toString('utf8');
  const lines = edit(text === '' ? [] : text.slice(0, -1).split('\n'));
  const body = lines.length ? `${lines.join('\n')}\n` : '';
  files.set(file, Buffer.from(body));
  const m = JSON.parse(files.get(MANIFEST_FILE)!.toString('utf8')) as BundleManifest;
  Object.assign(m.files.find((x) => x.file === file)!, { rows: lines.length, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') });
  m.digest = filesDigest(m.files, m.scope);
  files.set(MANIFEST_FILE, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
}

/** {@link forgeFiles} on a bundle folder. */
export function forgeFolder(dir: string, file: string, edit: (lines: string[]) => string[]): void {
  const files = new Map(Object.entries(folderFiles(dir)));
  forgeFiles(files, file, edit);
  for (const [name, body] of files) writeFileSync(join(dir, name), body);
}

/** The entries of a tar archive, in archive order. */
export async function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const out = new Map<string, Buffer>();
  const done = (async () => {
    for await (const e of extract) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      out.set(e.header.name, Buffer.concat(parts));
    }
  })();
  extract.end(archive);
  await done;
  return out;
}

/** A tar archive of `files`, in map order. */
export async function retar(files: Map<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of files) pack.entry({ name, mtime: new Date(0) }, body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
