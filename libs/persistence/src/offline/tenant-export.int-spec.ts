import { chainHash, GENESIS_HASH } from '@orch/domain';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import * as tar from 'tar-stream';
import { createLedgerDataSource, runLedgerMigrations } from '../data-source';
import { createLimitsDataSource, runLimitsMigrations } from '../limits/limits-data-source';
import { admin, testDatabaseUrl } from '../test-databases';
import { archiveSize, withBundleFolder, writeBundleArchive } from './bundle-archive';
import { beginExport, exportBundle } from './bundle-export';
import { BundleError, BundleManifest, filesDigest, MANIFEST_FILE } from './bundle-format';
import { importBundle, readVerifiedBundle } from './bundle-import';
import { describeBundleTables, STATE_BUNDLE_MIGRATION_TABLES, STATE_BUNDLE_SCHEMAS } from './catalog';
import { TENANT_SCOPES } from './tenant-scope';

const A = 'ta';
const B = 'tb';
const OPTS = { schemas: STATE_BUNDLE_SCHEMAS, migrationTables: STATE_BUNDLE_MIGRATION_TABLES };

/** A new database at this version's ledger and limits migrations. */
async function migratedDatabase(): Promise<{ name: string; url: string }> {
  const name = `orch_test_tenant_kit_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = testDatabaseUrl(name);
  for (const [make, run] of [
    [createLedgerDataSource, runLedgerMigrations],
    [createLimitsDataSource, runLimitsMigrations],
  ] as const) {
    const ds = make({ url, applicationName: 'tenant-kit-test', poolSize: 2 });
    await ds.initialize();
    await run(ds);
    await ds.destroy();
  }
  return { name, url };
}

/** Collects what is written into one buffer; `failAfter` bytes in, it breaks like a reader that hung up. */
class Collector extends Writable {
  chunks: Buffer[] = [];
  constructor(private readonly failAfter = Infinity) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (Buffer.concat(this.chunks).length > this.failAfter) cb(new Error('reader hung up'));
    else cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Seeds a row into every table for `tenant`, with valid event and audit chains; returns its ids. */
async function seedTenant(db: Client, tenant: string): Promise<string[]> {
  const job = randomUUID();
  const child = randomUUID();
  const run = randomUUID();
  const schedule = randomUUID();
  const at = '2026-12-01T10:00:00.000Z';
  const jobSql = `INSERT INTO ledger.jobs (id, tenant, project, job_type, status, priority, payload, payload_digest, attempt, max_attempts, correlation_id, idempotency_key, created_at, updated_at, run_id)
    VALUES ($1, $2, 'p1', 'kit.echo', 'succeeded', 5, $3, $4, 1, 3, 'c1', $5, $6, $6, $7)`;
  await db.query(jobSql, [job, tenant, { tenant, n: 1.5 }, 'a'.repeat(64), `k-${job}`, at, run]);
  await db.query(`INSERT INTO ledger.runs (id, tenant, project, failure_policy, correlation_id, idempotency_key, job_count, job_keys, created_at) VALUES ($1, $2, 'p1', 'cancel', 'c1', $3, 2, '["a","b"]', $4)`, [run, tenant, `r-${run}`, at]);
  await db.query(jobSql, [child, tenant, { tenant, n: 2 }, 'b'.repeat(64), `k-${child}`, at, run]);
  await db.query(`INSERT INTO ledger.run_edges (tenant, run_id, parent_id, child_id) VALUES ($1, $2, $3, $4)`, [tenant, run, job, child]);
  let prev = GENESIS_HASH;
  for (const seq of [1, 2]) {
    const body = { id: randomUUID(), tenant, seq, project: 'p1', jobId: job, eventType: seq === 1 ? 'job.created' : 'job.succeeded', attempt: 1, occurredAt: at, actor: { subject: 'w' }, data: { seq } };
    const hash = chainHash(prev, body);
    await db.query(`INSERT INTO ledger.job_events (tenant, seq, project, id, job_id, event_type, attempt, occurred_at, actor, data, prev_hash, hash) VALUES ($1, $2, 'p1', $3, $4, $5, 1, $6, $7, $8, $9, $10)`, [
      tenant, seq, body.id, job, body.eventType, at, body.actor, body.data, prev, hash,
    ]);
    prev = hash;
  }
  await db.query(`INSERT INTO ledger.chain_heads (tenant, seq, hash) VALUES ($1, 2, $2)`, [tenant, prev]);
  const audit = { tenant, seq: 1, project: 'p1', id: randomUUID(), occurredAt: at, actor: { subject: `ops@${tenant}` }, action: 'job.cancel', targetType: 'job', targetId: job, reason: `secret reason of ${tenant}`, ticket: null, before: null, after: { status: 'canceled' } };
  const auditHash = chainHash(GENESIS_HASH, audit);
  await db.query(
    `INSERT INTO ledger.audit_log (tenant, seq, project, id, occurred_at, actor, action, target_type, target_id, reason, ticket, before, after, prev_hash, hash) VALUES ($1, 1, 'p1', $2, $3, $4, 'job.cancel', 'job', $5, $6, NULL, NULL, $7, $8, $9)`,
    [tenant, audit.id, at, audit.actor, job, audit.reason, audit.after, GENESIS_HASH, auditHash],
  );
  await db.query(`INSERT INTO ledger.audit_heads (tenant, seq, hash) VALUES ($1, 1, $2)`, [tenant, auditHash]);
  await db.query(`INSERT INTO ledger.idempotency_keys (tenant, scope, key, request_digest, job_id, created_at) VALUES ($1, 'POST /api/v1/jobs', $2, $3, $4, $5)`, [tenant, `k-${job}`, 'c'.repeat(64), job, at]);
  await db.query(`INSERT INTO ledger.dead_letters (job_id, tenant, project, job_type, attempt, reason, dead_lettered_at) VALUES ($1, $2, 'p1', 'kit.echo', 1, 'attempts_exhausted', $3)`, [child, tenant, at]);
  await db.query(
    `INSERT INTO ledger.schedules (id, tenant, project, name, cron, time_zone, misfire_policy, max_catch_up, job_type, payload, created_at, updated_at) VALUES ($1, $2, 'p1', 'nightly', '0 3 * * *', 'UTC', 'skip', 1, 'kit.echo', '{}', $3, $3)`,
    [schedule, tenant, at],
  );
  await db.query(`INSERT INTO ledger.schedule_fires (schedule_id, fire_time, job_id, fired_at) VALUES ($1, $2, $3, $2)`, [schedule, at, job]);
  const rule = `${tenant}-cap`;
  await db.query(`INSERT INTO limits.rules (id, tenant, kind, per, max_in_flight, updated_by) VALUES ($1, $2, 'concurrency', '{tenant}', 4, 'ops')`, [rule, tenant]);
  await db.query(`INSERT INTO limits.pauses (id, tenant, match, reason, created_by) VALUES ($1, $2, '{"jobType":"kit.slow"}', 'maintenance', 'ops')`, [`${tenant}-pause`, tenant]);
  await db.query(`INSERT INTO limits.state (key, value) VALUES ($1, '{"inFlight":1}'), ($2, '{"inFlight":2}')`, [`${rule}|tenant=${tenant}`, `shared-cap|tenant=${tenant}`]);
  await db.query(`INSERT INTO limits.admissions (job_id, attempt, tenant, slot_keys, admitted_at) VALUES ($1, 1, $2, $3, $4)`, [job, tenant, [`${rule}|tenant=${tenant}`], at]);
  await db.query(`INSERT INTO limits.audit_outbox (id, tenant, command) VALUES ($1, $2, '{"action":"quota.update"}')`, [randomUUID(), tenant]);
  await db.query(`INSERT INTO limits.outcomes (job_id, attempt, tenant, success) VALUES ($1, 1, $2, true)`, [job, tenant]);
  return [job, child, run, schedule, rule, audit.reason];
}

/** Rewrites one file of a bundle folder and, as a careful forger would, the manifest's entry and digest. */
function forge(dir: string, file: string, edit: (lines: string[]) => string[], scope?: (m: BundleManifest) => void): void {
  const text = readFileSync(join(dir, file), 'utf8');
  const lines = edit(text === '' ? [] : text.slice(0, -1).split('\n'));
  const body = lines.length ? `${lines.join('\n')}\n` : '';
  writeFileSync(join(dir, file), body);
  const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as BundleManifest;
  Object.assign(m.files.find((f) => f.file === file)!, { rows: lines.length, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') });
  scope?.(m);
  m.digest = filesDigest(m.files, m.scope);
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
}

const folderFiles = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

/** The entries of an archive, in order. */
async function entries(archive: Buffer): Promise<{ name: string; body: Buffer }[]> {
  const extract = tar.extract();
  const out: { name: string; body: Buffer }[] = [];
  const done = (async () => {
    for await (const e of extract) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      out.push({ name: e.header.name, body: Buffer.concat(parts) });
    }
  })();
  extract.end(archive);
  await done;
  return out;
}

const refusal = async (p: Promise<unknown> | (() => unknown)): Promise<BundleError> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof BundleError) return err;
    throw err;
  }
  throw new Error('expected a BundleError');
};

describe('tenant bundles (real PostgreSQL)', () => {
  const made: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'orch-tenant-kit-'));
  let source: Client;
  let secretsOfB: string[];

  const connect = async (url: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    const db = await migratedDatabase();
    made.push(db.name);
    source = await connect(db.url);
    await seedTenant(source, A);
    secretsOfB = await seedTenant(source, B);
    // Installation rows: a rule and a pause over every tenant, the state of that rule, state of a rule no longer defined.
    await source.query(`INSERT INTO limits.rules (id, tenant, kind, per, max_in_flight, updated_by) VALUES ('shared-cap', NULL, 'concurrency', '{tenant}', 9, 'ops')`);
    await source.query(`INSERT INTO limits.pauses (id, tenant, match, created_by) VALUES ('shared-pause', NULL, '{"source":"nvd"}', 'ops')`);
    await source.query(`INSERT INTO limits.state (key, value) VALUES ('gone-rule|tenant=ta', '{}')`);
  });

  afterAll(async () => {
    await source?.end();
    for (const name of made) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('knows the tenant scope of every table a migrated database has (a new table must be given one)', async () => {
    const tables = (await describeBundleTables(source, STATE_BUNDLE_SCHEMAS)).map((t) => t.name);
    expect(tables.length).toBeGreaterThanOrEqual(17);
    expect(tables.filter((t) => !(t in TENANT_SCOPES))).toEqual([]);
  });

  it('refuses a tenant export of a table without a declared scope, naming the map to extend', async () => {
    const db = await migratedDatabase();
    made.push(db.name);
    const c = await connect(db.url);
    try {
      await c.query(`CREATE TABLE ledger.zz_new (id int PRIMARY KEY, owner text)`);
      const err = await refusal(beginExport(c, { ...OPTS, tenant: A }));
      await c.query('ROLLBACK');
      expect(err.message).toMatch(/table ledger\.zz_new has no tenant scope.*TENANT_SCOPES/);
      // The whole-installation export still takes it: it needs no scope.
      const full = join(work, 'full-with-new');
      await c.query(`INSERT INTO ledger.zz_new VALUES (1, 'x')`);
      expect((await exportBundle(c, full, OPTS)).files.find((f) => f.table === 'ledger.zz_new')?.rows).toBe(1);
    } finally {
      await c.end();
    }
  });

  it("holds exactly the tenant's rows of every table and leaves rows of no tenant out", async () => {
    const dir = join(work, 'folder-a');
    const m = await exportBundle(source, dir, { ...OPTS, tenant: A });
    expect(m.scope).toEqual({ tenant: A });
    const rows = Object.fromEntries(m.files.map((f) => [f.table, f.rows]));
    for (const [table, scope] of Object.entries(TENANT_SCOPES)) {
      if (!(table in rows) || scope.kind !== 'column') continue;
      const { rows: n } = await source.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${scope.column} = $1`, [A]);
      expect({ table, rows: rows[table] }).toEqual({ table, rows: n[0].n });
    }
    expect(rows).toMatchObject({ 'ledger.jobs': 2, 'ledger.job_events': 2, 'ledger.run_edges': 1, 'ledger.schedule_fires': 1, 'limits.rules': 1, 'limits.pauses': 1, 'limits.state': 1 });
    for (const f of m.files) {
      const text = readFileSync(join(dir, f.file), 'utf8');
      for (const secret of [...secretsOfB, `"${B}"`, 'shared-cap', 'shared-pause', 'gone-rule']) expect({ file: f.file, leaks: text.includes(secret) ? secret : null }).toEqual({ file: f.file, leaks: null });
    }
    const verified = readVerifiedBundle(dir);
    expect(verified.chains).toEqual({ events: { [A]: 2 }, audit: { [A]: 1 } });
    // The whole-installation bundle has both tenants and the installation's rows, and no scope.
    const full = await exportBundle(source, join(work, 'folder-all'), OPTS);
    expect(full.scope).toBeUndefined();
    expect(Object.fromEntries(full.files.map((f) => [f.table, f.rows]))).toMatchObject({ 'ledger.jobs': 4, 'limits.rules': 3, 'limits.state': 5 });
  });

  it('writes the archive: manifest first, the folder files in manifest order, archiveSize bytes, the same bytes every time', async () => {
    let announced = -1;
    let manifest: BundleManifest | undefined;
    const out = new Collector();
    const m = await writeBundleArchive(source, out, { ...OPTS, tenant: A, batchRows: 1, beforeWrite: (mf, bytes) => void ((manifest = mf), (announced = bytes)) });
    expect(manifest).toEqual(m);
    expect(out.bytes.length).toBe(announced);
    expect(announced).toBe(archiveSize(Buffer.byteLength(`${JSON.stringify(m, null, 2)}\n`), m.files));
    const listed = await entries(out.bytes);
    expect(listed.map((e) => e.name)).toEqual([MANIFEST_FILE, ...m.files.map((f) => f.file)]);
    const folder = folderFiles(join(work, 'folder-a'));
    expect(Object.fromEntries(listed.map((e) => [e.name, e.body]))).toEqual(folder);
    const again = new Collector();
    await writeBundleArchive(source, again, { ...OPTS, tenant: A });
    expect(again.bytes.equals(out.bytes)).toBe(true);
    writeFileSync(join(work, 'a.tar'), out.bytes);
  });

  it('imports the archive into an empty database, which exports the same archive again, byte for byte', async () => {
    const db = await migratedDatabase();
    made.push(db.name);
    const c = await connect(db.url);
    try {
      const { tables } = await withBundleFolder(join(work, 'a.tar'), (dir) => importBundle(c, dir, { migrationTables: STATE_BUNDLE_MIGRATION_TABLES }));
      expect(tables.reduce((n, t) => n + t.inserted, 0)).toBeGreaterThan(15);
      const out = new Collector();
      await writeBundleArchive(c, out, { ...OPTS, tenant: A });
      expect(out.bytes.equals(readFileSync(join(work, 'a.tar')))).toBe(true);
    } finally {
      await c.end();
    }
  });

  it("refuses a tenant bundle holding a row that is not the tenant's, or a changed scope, even with every digest recomputed", async () => {
    const cases: [string, string, (l: string[]) => string[], ((m: BundleManifest) => void) | undefined, RegExp][] = [
      ["a job of the other tenant", 'ledger.jobs.ndjson', (l) => [...l, l[0].replace(/"tenant":"ta"/, '"tenant":"tb"').replace(/"id":"[^"]+"/, `"id":"${randomUUID()}"`)], undefined, /ledger\.jobs line 3 is not tenant ta's \(its tenant is "tb"\)/],
      ['a rule of no tenant', 'limits.rules.ndjson', (l) => [...l, l[0].replace(/"tenant":"ta"/, '"tenant":null').replace(/"id":"ta-cap"/, '"id":"zz"')], undefined, /limits\.rules line 2 is not tenant ta's \(its tenant is null\)/],
      ['a schedule fire of a schedule not in the bundle', 'ledger.schedule_fires.ndjson', (l) => l.map((x) => x.replace(/"schedule_id":"[^"]+"/, `"schedule_id":"${randomUUID()}"`)), undefined, /schedule_fires line 1 is not tenant ta's \(it hangs on no ledger\.schedules row/],
      ['state of a rule not in the bundle', 'limits.state.ndjson', (l) => [...l, l[0].replace(/"key":"ta-cap/, '"key":"shared-cap')], undefined, /limits\.state line 2 is not tenant ta's/],
      ['the scope changed to the other tenant', 'ledger.jobs.ndjson', (l) => l, (m) => void (m.scope = { tenant: B }), /ledger\.\w+ line 1 is not tenant tb's/],
    ];
    for (const [what, file, edit, scope, message] of cases) {
      const dir = join(work, `forged-${randomBytes(3).toString('hex')}`);
      await exportBundle(source, dir, { ...OPTS, tenant: A });
      forge(dir, file, edit, scope);
      const err = await refusal(() => readVerifiedBundle(dir));
      expect({ what, code: err.code, message: err.message }).toEqual({ what, code: 'bundle_tampered', message: expect.stringMatching(message) });
    }
    // A scope edited without recomputing the digest is an edited manifest.
    const dir = join(work, 'scope-edited');
    await exportBundle(source, dir, { ...OPTS, tenant: A });
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as BundleManifest;
    writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify({ ...m, scope: { tenant: B } }, null, 2)}\n`);
    expect((await refusal(() => readVerifiedBundle(dir))).message).toMatch(/digest does not match the file listing/);
  });

  it('ends the export and its transaction when the reader goes away half way, leaving the connection usable', async () => {
    const out = new Collector(3_000);
    await expect(writeBundleArchive(source, out, { ...OPTS, tenant: A, batchRows: 1 })).rejects.toThrow(/reader hung up/);
    const { rows } = await source.query(`SELECT current_setting('transaction_read_only') AS ro, now() = statement_timestamp() AS fresh`);
    expect(rows[0]).toEqual({ ro: 'off', fresh: true });
  });

  it('unpacks only what a bundle can hold: no paths, links or repeated names; not a tar is bundle_invalid', async () => {
    const pack = async (items: { name: string; type?: 'file' | 'symlink'; body?: string; linkname?: string }[]) => {
      const p = tar.pack();
      for (const i of items) p.entry({ name: i.name, type: i.type ?? 'file', ...(i.linkname ? { linkname: i.linkname } : {}) }, i.body ?? '');
      p.finalize();
      const parts: Buffer[] = [];
      for await (const c of p) parts.push(c as Buffer);
      const file = join(work, `archive-${randomBytes(3).toString('hex')}.tar`);
      writeFileSync(file, Buffer.concat(parts));
      return file;
    };
    const cases: [string, string, RegExp][] = [
      ['a path out of the folder', await pack([{ name: '../ledger.jobs.ndjson', body: '{}\n' }]), /bundle_invalid|not part of an Orch state bundle/],
      ['a nested path', await pack([{ name: 'x/manifest.json', body: '{}' }]), /not part of an Orch state bundle/],
      ['a symlink', await pack([{ name: 'ledger.jobs.ndjson', type: 'symlink', linkname: '/etc/passwd' }]), /\(symlink\) is not part of an Orch state bundle/],
      ['a name twice', await pack([{ name: 'ledger.jobs.ndjson', body: '' }, { name: 'ledger.jobs.ndjson', body: '' }]), /appears twice/],
    ];
    const notTar = join(work, 'not.tar');
    writeFileSync(notTar, 'x'.repeat(2_000));
    cases.push(['not a tar at all', notTar, /is not a readable tar archive/]);
    for (const [what, file, message] of cases) {
      const err = await refusal(withBundleFolder(file, (dir) => readVerifiedBundle(dir)));
      expect({ what, message: err.message }).toEqual({ what, message: expect.stringMatching(message) });
    }
  });
});
