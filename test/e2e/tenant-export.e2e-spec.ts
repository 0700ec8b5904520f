import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleManifest, MANIFEST_FILE, TENANT_SCOPES } from '@orch/persistence';
import { createTestDatabase, E2eCluster, TestDatabase } from '@orch/testing';
import { forgeFiles, jobsEnded, orchctl, retar, stateRowCounts, tearDownKit, untar } from './offline-kit-support';

const A = 'exp-a';
const B = 'exp-b';
const REASON = { 'X-Orch-Reason': 'move exp-a to the offline site' };

/**
 * `POST /api/v1/exports` end to end: two tenants with jobs (succeeded, dead-lettered, canceled),
 * a DAG run, a schedule, limit rules, a pause and audit entries made by the real services; A's
 * export through the api holds A's rows and nothing else, `orchctl` verifies and imports the
 * archive into an empty database, which exports the very same archive again; a tampered archive
 * is refused and writes nothing.
 */
describe('tenant export through the api, imported with orchctl (real services, real PostgreSQL)', () => {
  const cluster = new E2eCluster();
  const work = mkdtempSync(join(tmpdir(), 'orch-tenant-export-'));
  const archive = join(work, 'exp-a.tar');
  const dbs: TestDatabase[] = [];
  const tokens: Record<string, string> = {};
  let exported: Response;
  let bytes: Buffer;

  const call = (path: string, init: RequestInit, token: string) => cluster.api(path, init, token);
  const post = async (path: string, body: unknown, token: string, headers: Record<string, string> = {}) => {
    const json = body === undefined ? {} : { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
    const res = await call(path, { method: 'POST', headers, ...json }, token);
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id?: string; job?: { id: string } };
  };
  const exportAs = (token: string, headers: Record<string, string> = REASON) => call('/api/v1/exports', { method: 'POST', headers }, token);
  const emptyDb = async () => {
    const db = await createTestDatabase('orch_texp');
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    await cluster.start();
    await cluster.startWorker({ DEMO_TENANTS: `${A},${B}`, DEMO_CONCURRENCY: '4' });
    // A rule over every tenant (installation settings): its per-tenant state must stay out of tenant bundles.
    await cluster.pg.query(`INSERT INTO limits.rules (id, tenant, kind, per, max_in_flight, updated_by) VALUES ('shared-cap', NULL, 'concurrency', '{tenant}', 1000, 'e2e')`);
    for (const tenant of [A, B]) {
      const ops = (tokens[tenant] = await cluster.token({ tenant, scopes: ['orch:read', 'orch:operate', 'orch:quota'], sub: `ops@${tenant}` }));
      const quota = { ...REASON, 'X-Orch-Ticket': 'OPS-1' };
      await post('/api/v1/limits/rules', { id: `${tenant}-cap`, kind: 'concurrency', match: { jobType: 'demo.echo' }, per: ['tenant'], maxInFlight: 50 }, ops, quota);
      await post('/api/v1/limits/pauses', { match: { jobType: 'demo.never' }, reason: `held at ${tenant}` }, ops, quota);
      for (let i = 0; i < 3; i++) await post('/api/v1/jobs', { project: 'p1', jobType: 'demo.echo', payload: { i, secret: `payload-of-${tenant}` } }, ops);
      await post('/api/v1/jobs', { project: 'p1', jobType: 'demo.fail', payload: {}, maxAttempts: 1 }, ops);
      const later = await post('/api/v1/jobs', { project: 'p1', jobType: 'demo.echo', payload: {}, runAt: new Date(Date.now() + 3_600_000).toISOString() }, ops);
      await post(`/api/v1/jobs/${later.id}/cancel`, undefined, ops, REASON);
      const run = { jobs: [{ key: 'fetch', project: 'p1', jobType: 'demo.echo', payload: {} }, { key: 'parse', project: 'p1', jobType: 'demo.echo', payload: {}, dependsOn: ['fetch'] }] };
      await post('/api/v1/runs', run, ops);
      await post('/api/v1/schedules', { project: 'p1', name: `nightly ${tenant}`, cron: '0 3 * * *', timeZone: 'Europe/Berlin', paused: true, job: { jobType: 'demo.echo', payload: {} } }, ops, REASON);
    }
    await jobsEnded(cluster, 14);
    exported = await exportAs(tokens[A], { ...REASON, 'Idempotency-Key': 'export-a-1' });
    bytes = Buffer.from(await exported.arrayBuffer());
    writeFileSync(archive, bytes);
  }, 300_000);

  afterAll(() => tearDownKit(cluster, dbs, work), 60_000);

  it('answers one tar archive with its size, a file name, the bundle digest, and audits the export', async () => {
    expect(exported.status).toBe(200);
    const files = await untar(bytes);
    const manifest = JSON.parse(files.get(MANIFEST_FILE)!.toString('utf8')) as BundleManifest;
    expect([...files.keys()]).toEqual([MANIFEST_FILE, ...manifest.files.map((f) => f.file)]);
    expect({
      type: exported.headers.get('content-type'),
      length: Number(exported.headers.get('content-length')),
      disposition: exported.headers.get('content-disposition'),
      digest: exported.headers.get('x-orch-bundle-digest'),
      key: exported.headers.get('idempotency-key'),
      cache: exported.headers.get('cache-control'),
    }).toEqual({
      type: 'application/x-tar',
      length: bytes.length,
      disposition: `attachment; filename="orch-${A}-${manifest.digest.slice(0, 12)}.tar"`,
      digest: manifest.digest,
      key: 'export-a-1',
      cache: 'no-store',
    });
    expect(manifest.scope).toEqual({ tenant: A });
    const audit = await call('/api/v1/audit?action=state.export', {}, tokens[A]);
    const entries = ((await audit.json()) as { items: { targetId: string; reason: string; actor: { subject: string }; after: { bundleDigest: string } }[] }).items;
    expect(entries.map((e) => [e.targetId, e.reason, e.actor.subject, e.after.bundleDigest])).toEqual([[A, REASON['X-Orch-Reason'], `ops@${A}`, manifest.digest]]);
    // Audited in A's chain only; a retry with the same key is not audited again.
    const retry = await exportAs(tokens[A], { ...REASON, 'Idempotency-Key': 'export-a-1' });
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    await retry.arrayBuffer();
    const count = async (tenant: string) => (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE tenant = $1 AND action = 'state.export'`, [tenant])).rows[0].n;
    expect([await count(A), await count(B)]).toEqual([1, 0]);
  });

  it("holds all of A's rows of every table and nothing of B's or of no tenant, file by file", async () => {
    const files = await untar(bytes);
    const manifest = JSON.parse(files.get(MANIFEST_FILE)!.toString('utf8')) as BundleManifest;
    const rowsOf = (table: string) => {
      const text = files.get(`${table}.ndjson`)!.toString('utf8');
      return text === '' ? [] : text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const bIds = (await cluster.pg.query(`SELECT id::text FROM ledger.jobs WHERE tenant = $1 UNION ALL SELECT id::text FROM ledger.runs WHERE tenant = $1 UNION ALL SELECT id::text FROM ledger.schedules WHERE tenant = $1`, [B])).rows.map((r) => r.id as string);
    expect(bIds.length).toBe(9);
    for (const f of manifest.files) {
      const scope = TENANT_SCOPES[f.table];
      const rows = rowsOf(f.table);
      const text = files.get(f.file)!.toString('utf8');
      // A's admissions may name the keys of a rule over every tenant they were charged to; the rule and its state stay out.
      const installation = f.table === 'limits.rules' || f.table === 'limits.state' ? ['shared-cap'] : [];
      const leaked = [B, `payload-of-${B}`, ...installation, ...bIds].filter((s) => text.includes(s));
      expect({ file: f.file, leaked }).toEqual({ file: f.file, leaked: [] });
      if (scope.kind === 'column') {
        expect({ file: f.file, others: rows.filter((r) => r[scope.column] !== A).length }).toEqual({ file: f.file, others: 0 });
        // The export's own audit entry and its idempotency record were written after the export's snapshot.
        const later = { 'ledger.audit_log': ` AND action <> 'state.export'`, 'ledger.idempotency_keys': ` AND scope <> 'POST /api/v1/exports'` }[f.table] ?? '';
        const { rows: n } = await cluster.pg.query(`SELECT count(*)::int AS n FROM ${f.table} WHERE ${scope.column} = $1${later}`, [A]);
        expect({ file: f.file, rows: rows.length }).toEqual({ file: f.file, rows: n[0].n });
      } else {
        const parents = new Set(rowsOf(scope.parent).map((r) => String(r[scope.parentColumn])));
        expect({ file: f.file, orphans: rows.filter((r) => !parents.has(scope.keyOf(r))).length }).toEqual({ file: f.file, orphans: 0 });
      }
    }
    const rows = Object.fromEntries(manifest.files.map((f) => [f.table, f.rows]));
    expect(rows).toMatchObject({ 'ledger.jobs': 7, 'ledger.runs': 1, 'ledger.run_edges': 1, 'ledger.schedules': 1, 'ledger.dead_letters': 1, 'limits.rules': 1, 'limits.pauses': 1 });
    for (const t of ['ledger.job_events', 'ledger.audit_log', 'ledger.chain_heads', 'ledger.idempotency_keys', 'limits.admissions', 'limits.state']) expect({ t, some: rows[t] > 0 }).toEqual({ t, some: true });
    // The installation's own rule and its state for A are there, only not in A's bundle.
    expect((await cluster.pg.query(`SELECT count(*)::int AS n FROM limits.state WHERE key LIKE 'shared-cap|tenant=${A}%'`)).rows[0].n).toBeGreaterThan(0);
    // And B's export is B's alone.
    const other = await untar(Buffer.from(await (await exportAs(tokens[B])).arrayBuffer()));
    expect(JSON.parse(other.get(MANIFEST_FILE)!.toString('utf8')).scope).toEqual({ tenant: B });
    expect([...other.values()].some((b) => b.toString('utf8').includes(`"${A}"`))).toBe(false);
  });

  it('verifies with orchctl, imports into an empty database, and that database exports the same archive byte for byte', async () => {
    const verified = await orchctl(['verify', '--in', archive]);
    expect(verified.stderr).toMatch(new RegExp(`intact: .* hash chains of 1 tenant\\(s\\) verified, every row tenant ${A}'s`));
    expect(verified.code).toBe(0);
    const db = await emptyDb();
    const imported = await orchctl(['import', '--in', archive, '--database-url', db.url]);
    expect(imported.stderr).toMatch(/imported \d+ rows/);
    expect(imported.code).toBe(0);
    const again = join(work, 'again.tar');
    const reexported = await orchctl(['export', '--tenant', A, '--out', again, '--database-url', db.url]);
    expect(reexported.stderr).toMatch(new RegExp(`exported \\d+ rows of tenant ${A}`));
    expect(readFileSync(again).equals(bytes)).toBe(true);
    // Importing it again changes nothing; an archive name taken is refused.
    const before = await stateRowCounts(db.url);
    expect((await orchctl(['import', '--in', archive, '--database-url', db.url])).stderr).toMatch(/nothing to write/);
    expect(await stateRowCounts(db.url)).toEqual(before);
    expect((await orchctl(['export', '--tenant', A, '--out', again, '--database-url', db.url])).stderr).toMatch(/already exists/);
  });

  it('refuses a tampered archive with exit code 3 and leaves the database as it was', async () => {
    const original = await untar(bytes);
    const forged = async (what: string, change: (files: Map<string, Buffer>) => void) => {
      const files = new Map(original);
      change(files);
      const path = join(work, `forged-${what.replace(/\W+/g, '-')}.tar`);
      writeFileSync(path, await retar(files));
      return path;
    };
    const cases: [string, string, RegExp][] = [
      ['an edited audit reason, digests recomputed', await forged('audit', (f) => forgeFiles(f, 'ledger.audit_log.ndjson', (l) => l.map((x) => x.replace(REASON['X-Orch-Reason'], 'nothing to see')))), /bundle_tampered.*audit_log.*chain breaks/],
      ["a job of B's slipped in, digests recomputed", await forged('foreign', (f) => forgeFiles(f, 'ledger.jobs.ndjson', (l) => [...l, l[0].replace(`"tenant":"${A}"`, `"tenant":"${B}"`).replace(/"id":"[^"]+"/, `"id":"${randomUUID()}"`)])), /bundle_tampered.*ledger\.jobs line \d+ is not tenant exp-a's/],
      ['a job edited behind the manifest', await forged('edited', (f) => f.set('ledger.jobs.ndjson', Buffer.from(f.get('ledger.jobs.ndjson')!.toString('utf8').replace('"succeeded"', '"failed"')))), /content does not match its SHA-256/],
      ['an entry outside the bundle', await forged('path', (f) => f.set('../escape.ndjson', Buffer.from('{}\n'))), /bundle_invalid.*not part of an Orch state bundle/],
    ];
    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 3_000));
    cases.push(['a cut download', truncated, /refused \(bundle_(invalid|tampered)\)/]);
    const db = await emptyDb();
    for (const [what, path, message] of cases) {
      const res = await orchctl(['import', '--in', path, '--database-url', db.url]);
      expect({ what, code: res.code, message: res.stderr }).toEqual({ what, code: 3, message: expect.stringMatching(message) });
    }
    expect(await stateRowCounts(db.url)).toEqual({}); // not even migrated: verification comes before any write
  });

  it('needs orch:operate (403 for a reader) and X-Orch-Reason (400), and takes no body', async () => {
    const reader = await cluster.token({ tenant: A, scopes: ['orch:read'], sub: 'reader' });
    const before = await stateRowCounts(cluster.db.url);
    const refusals: [string, Response, number][] = [
      ['a reader', await exportAs(reader), 403],
      ['no reason', await exportAs(tokens[A], {}), 400],
      ['a body', await call('/api/v1/exports', { method: 'POST', headers: { ...REASON, 'content-type': 'application/json' }, body: '{"tenant":"exp-b"}' }, tokens[A]), 400],
    ];
    for (const [what, res, status] of refusals) {
      expect({ what, status: res.status, type: res.headers.get('content-type') }).toEqual({ what, status, type: expect.stringMatching(/^application\/problem\+json/) });
    }
    expect(await stateRowCounts(cluster.db.url)).toEqual(before);
  });
});
