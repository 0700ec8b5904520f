import { createHash } from 'node:crypto';
import { buildManifest, BundleFile, filesDigest } from './bundle-format';
import { BundleTable, foreignKeyOrder } from './catalog';

const table = (name: string, references: string[] = []): BundleTable => {
  const [schema, t] = name.split('.');
  return { name, schema, table: t, primaryKey: ['id'], references, sequenceColumns: [] };
};

describe('foreignKeyOrder', () => {
  it('puts every referenced table before the tables that reference it, by name among equals', () => {
    const order = foreignKeyOrder([
      table('ledger.schedule_fires', ['ledger.schedules']),
      table('ledger.run_edges', ['ledger.runs']),
      table('ledger.jobs'),
      table('ledger.schedules'),
      table('ledger.runs'),
      table('ledger.a_child', ['ledger.run_edges']),
    ]).map((t) => t.name);
    expect(order).toEqual(['ledger.runs', 'ledger.run_edges', 'ledger.a_child', 'ledger.jobs', 'ledger.schedules', 'ledger.schedule_fires']);
  });

  it('ignores references to tables outside the bundle and is stable whatever the input order', () => {
    const tables = [table('limits.rules', ['public.elsewhere']), table('limits.pauses'), table('ledger.jobs')];
    const a = foreignKeyOrder(tables).map((t) => t.name);
    const b = foreignKeyOrder([...tables].reverse()).map((t) => t.name);
    expect(a).toEqual(['ledger.jobs', 'limits.pauses', 'limits.rules']);
    expect(b).toEqual(a);
  });

  it('refuses a cycle of foreign keys, naming it', () => {
    expect(() => foreignKeyOrder([table('s.a', ['s.b']), table('s.b', ['s.a'])])).toThrow('foreign keys form a cycle: s.a → s.b → s.a');
  });
});

describe('filesDigest', () => {
  const f = (file: string, sha: string): BundleFile => ({ file, table: file.replace(/\.ndjson$/, ''), rows: 1, bytes: 10, sha256: sha.repeat(64) });

  it('changes with any field of any entry and with their order', () => {
    const base = [f('ledger.jobs.ndjson', 'a'), f('ledger.runs.ndjson', 'b')];
    const d = filesDigest(base);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(filesDigest([...base])).toBe(d);
    expect(filesDigest([base[1], base[0]])).not.toBe(d);
    expect(filesDigest([{ ...base[0], rows: 2 }, base[1]])).not.toBe(d);
    expect(filesDigest([{ ...base[0], sha256: 'c'.repeat(64) }, base[1]])).not.toBe(d);
  });

  it('covers the scope of a tenant bundle, and a whole-installation listing is digested as before', () => {
    const files = [f('ledger.jobs.ndjson', 'a')];
    expect(filesDigest(files, { tenant: 'ta' })).not.toBe(filesDigest(files));
    expect(filesDigest(files, { tenant: 'ta' })).not.toBe(filesDigest(files, { tenant: 'tb' }));
    // The first bundles' digest: the listing's lines alone, so they still verify.
    expect(filesDigest(files)).toBe(createHash('sha256').update(`ledger.jobs.ndjson\tledger.jobs\t1\t10\t${'a'.repeat(64)}`).digest('hex'));
  });
});

describe('buildManifest', () => {
  const files: BundleFile[] = [{ file: 'ledger.jobs.ndjson', table: 'ledger.jobs', rows: 1, bytes: 10, sha256: 'a'.repeat(64) }];

  it('puts the fields in one order, the scope only in a tenant bundle, and digests what it lists', () => {
    const tenant = buildManifest({ scope: { tenant: 'ta' }, schemas: ['ledger'], migrations: { m: ['M1'] }, files });
    expect(Object.keys(tenant)).toEqual(['format', 'version', 'scope', 'schemas', 'migrations', 'files', 'digest']);
    expect(tenant.digest).toBe(filesDigest(files, { tenant: 'ta' }));
    const whole = buildManifest({ schemas: ['ledger'], migrations: { m: ['M1'] }, files });
    expect(Object.keys(whole)).toEqual(['format', 'version', 'schemas', 'migrations', 'files', 'digest']);
    expect(whole.digest).toBe(filesDigest(files));
  });
});

