import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleManifest } from '@orch/persistence';
import { createTestDatabase, E2eCluster, TestDatabase, waitFor } from '@orch/testing';
import { folderFiles as files, forgeFolder as forge, jobsEnded, orchctl, stateRowCounts as snapshot, tearDownKit } from './offline-kit-support';

const TENANTS = ['kit-a', 'kit-b'];

/**
 * The offline kit end to end: state made by the real services (jobs that
 * succeeded, dead-lettered and were canceled, with their ledger events and
 * audit entries, for two tenants), exported with `orchctl export`, imported
 * into an empty database with `orchctl import`, exported again.
 */
describe('orchctl export / verify / import (real services, real PostgreSQL)', () => {
  const cluster = new E2eCluster();
  const work = mkdtempSync(join(tmpdir(), 'orch-kit-'));
  const first = join(work, 'first');
  const dbs: TestDatabase[] = [];
  const emptyDb = async () => {
    const db = await createTestDatabase('orch_kit');
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    await cluster.start();
    await cluster.startWorker({ DEMO_TENANTS: TENANTS.join(','), DEMO_CONCURRENCY: '4' });
    let n = 0;
    for (const tenant of TENANTS) {
      const token = await cluster.token({ tenant, scopes: ['orch:read', 'orch:operate'], sub: `ops@${tenant}` });
      const submit = async (jobType: string, extra: Record<string, unknown> = {}) => {
        const res = await cluster.api('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': `kit-${n++}` }, body: JSON.stringify({ project: 'p1', jobType, payload: { n, text: 'ünïcödé ✓', big: 12345678901234, f: 0.1 }, ...extra }) }, token);
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      for (let i = 0; i < 5; i++) await submit('demo.echo');
      await submit('demo.fail', { maxAttempts: 2 });
      const later = await submit('demo.echo', { runAt: new Date(Date.now() + 3_600_000).toISOString() });
      const cancel = await cluster.api(`/api/v1/jobs/${later}/cancel`, { method: 'POST', headers: { 'X-Orch-Reason': 'offline kit test', 'Idempotency-Key': `kit-cancel-${tenant}` } }, token);
      expect(cancel.status).toBe(200);
    }
    await jobsEnded(cluster, 14);
  }, 300_000);

  afterAll(() => tearDownKit(cluster, dbs, work), 60_000);

  it('exports a deterministic bundle with a manifest of counts and digests', async () => {
    const res = await orchctl(['export', '--out', first, '--database-url', cluster.db.url]);
    expect(res.stderr).toMatch(/exported \d+ rows/);
    expect(res.code).toBe(0);
    const m = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')) as BundleManifest;
    const byTable = Object.fromEntries(m.files.map((f) => [f.table, f.rows]));
    expect(byTable['ledger.jobs']).toBe(14);
    expect(byTable['ledger.dead_letters']).toBe(2);
    expect(byTable['ledger.audit_log']).toBeGreaterThanOrEqual(2);
    expect(byTable['ledger.job_events']).toBeGreaterThan(50);
    expect(m.files.map((f) => f.table)).not.toContain('ledger.outbox');
    // Referenced tables come first, so an import can write in manifest order.
    expect(m.files.map((f) => f.table).indexOf('ledger.runs')).toBeLessThan(m.files.map((f) => f.table).indexOf('ledger.run_edges'));
    // Sorted by primary key: job events by (tenant, seq).
    const events = readFileSync(join(first, 'ledger.job_events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tenant: string; seq: number });
    const keys = events.map((e) => `${e.tenant}\u0000${String(e.seq).padStart(12, '0')}`);
    expect(keys).toEqual([...keys].sort());

    const again = join(work, 'again');
    expect((await orchctl(['export', '--out', again, '--database-url', cluster.db.url])).code).toBe(0);
    // The services are idle (every job is terminal): the same state, the same bytes.
    expect(files(again)).toEqual(files(first));
    expect((await orchctl(['verify', '--in', first])).stderr).toMatch(/intact: .* hash chains of 2 tenant\(s\) verified/);
  });

  it('imports into an empty database; exporting that gives byte-identical files; importing again changes nothing', async () => {
    const db = await emptyDb();
    const imported = await orchctl(['import', '--in', first, '--database-url', db.url]);
    expect(imported.stderr).toMatch(/imported \d+ rows/);
    expect(imported.code).toBe(0);
    const second = join(work, 'second');
    expect((await orchctl(['export', '--out', second, '--database-url', db.url])).code).toBe(0);
    expect(files(second)).toEqual(files(first));

    const before = await snapshot(db.url);
    const repeat = await orchctl(['import', '--in', first, '--database-url', db.url]);
    expect(repeat.code).toBe(0);
    expect(repeat.stderr).toMatch(/nothing to write/);
    expect(await snapshot(db.url)).toEqual(before);
  });

  it.each([
    ['an edited event, with its digest recomputed', 'ledger.job_events.ndjson', (l: string[]) => l.map((x, i) => (i === 3 ? x.replace('"attempt":1', '"attempt":2') : x)), /bundle_tampered.*chain breaks at seq/],
    ['a removed last event, with the manifest recomputed', 'ledger.job_events.ndjson', (l: string[]) => l.slice(0, -1), /bundle_tampered.*chain ends at seq/],
    ['an edited audit reason, with its digest recomputed', 'ledger.audit_log.ndjson', (l: string[]) => l.map((x) => x.replace('offline kit test', 'nothing to see')), /bundle_tampered.*audit_log.*chain breaks/],
  ])('refuses %s and leaves the database untouched', async (_what, file, edit, message) => {
    const dir = join(work, `forged-${Math.random().toString(36).slice(2)}`);
    cpSync(first, dir, { recursive: true });
    forge(dir, file, edit);
    const db = await emptyDb();
    const res = await orchctl(['import', '--in', dir, '--database-url', db.url]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(message);
    expect(await snapshot(db.url)).toEqual({}); // not even migrated: verification comes before any write
  });

  it('refuses a file changed behind the manifest, an unlisted file and a missing one', async () => {
    const db = await emptyDb();
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['edited', (d) => writeFileSync(join(d, 'ledger.jobs.ndjson'), readFileSync(join(d, 'ledger.jobs.ndjson'), 'utf8').replace('"succeeded"', '"failed"')), /ledger.jobs.ndjson: content does not match its SHA-256/],
      ['unlisted', (d) => writeFileSync(join(d, 'ledger.extra.ndjson'), '{}\n'), /files not in the manifest: ledger.extra.ndjson/],
      ['missing', (d) => rmSync(join(d, 'ledger.dead_letters.ndjson')), /dead_letters.ndjson is listed in the manifest but missing/],
    ];
    for (const [name, damage, message] of cases) {
      const dir = join(work, `damaged-${name}`);
      cpSync(first, dir, { recursive: true });
      damage(dir);
      const res = await orchctl(['import', '--in', dir, '--database-url', db.url]);
      expect({ name, code: res.code }).toEqual({ name, code: 3 });
      expect(res.stderr).toMatch(message);
    }
    expect(await snapshot(db.url)).toEqual({});
  });

  it('refuses a bundle that conflicts with the state already there, writing nothing', async () => {
    // The source database has moved on: one more job and its events extend tenant kit-a's chain.
    const token = await cluster.token({ tenant: 'kit-a', scopes: ['orch:operate'], sub: 'late' });
    const res = await cluster.api('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': 'kit-late' }, body: JSON.stringify({ project: 'p1', jobType: 'demo.echo', payload: {} }) }, token);
    expect(res.status).toBe(201);
    await waitFor(async () => (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE status = 'succeeded'`)).rows[0].n === 11, { timeoutMs: 60_000, what: 'late job done' });
    const before = await snapshot(cluster.db.url);
    const imported = await orchctl(['import', '--in', first, '--database-url', cluster.db.url]);
    expect(imported.code).toBe(3);
    expect(imported.stderr).toMatch(/bundle_conflict.*a row with the same key holds other content/);
    expect(await snapshot(cluster.db.url)).toEqual(before);
  });

  it('answers bad arguments with usage and exit code 2', async () => {
    for (const args of [['export'], ['import'], ['frobnicate'], ['export', '--out']]) {
      const res = await orchctl(args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(/orchctl: .*\n\norchctl — Orch operator CLI/);
    }
    expect((await orchctl(['--help'])).stdout).toMatch(/orchctl export --out <dir \| file\.tar> \[--tenant <tenant>\]/);
    const notEmpty = await orchctl(['export', '--out', first, '--database-url', cluster.db.url]);
    expect(notEmpty.code).toBe(3);
    expect(notEmpty.stderr).toMatch(/is not empty/);
  });
});
