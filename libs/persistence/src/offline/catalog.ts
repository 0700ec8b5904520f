import type { Queryable } from '../ledger.repository';
import { LIMITS_MIGRATIONS_TABLE } from '../limits/limits-data-source';

/** The schemas of a state bundle: the ledger (jobs, runs, events, audit, schedules, dead letters) and the limits (rules, pauses, quota state). */
export const STATE_BUNDLE_SCHEMAS = ['ledger', 'limits'] as const;
/** Their migration bookkeeping tables (in `public`), whose applied migrations a bundle records. */
export const STATE_BUNDLE_MIGRATION_TABLES = ['orch_ledger_migrations', LIMITS_MIGRATIONS_TABLE] as const;

/** A table of a state bundle, as the PostgreSQL catalog describes it. */
export interface BundleTable {
  /** `schema.table`. */
  name: string;
  schema: string;
  table: string;
  /** Primary-key columns in key order: the bundle's row order. */
  primaryKey: string[];
  /** Tables (`schema.table`) this one references by foreign key. */
  references: string[];
  /** Columns filled from a sequence (`nextval` default), to be moved past the imported values. */
  sequenceColumns: { column: string; sequence: string }[];
}

/**
 * Tables never exported: the outbox holds events already published (relaying
 * them again at the importing site would re-announce old transitions).
 */
export const BUNDLE_EXCLUDED_TABLES: readonly string[] = ['ledger.outbox'];

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Rows of a query through either a pg `Client` (a result with `rows`) or TypeORM (the rows themselves). */
async function select<T>(q: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  const res = await q.query(sql, params);
  return (Array.isArray(res) ? res : res.rows) as T[];
}

/** `"schema"."table"`. */
export function qualified(t: Pick<BundleTable, 'schema' | 'table'>): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

/** `ORDER BY` over the primary key, quoted. */
export function keyOrder(t: BundleTable): string {
  return t.primaryKey.map(quoteIdent).join(', ');
}

/**
 * The tables of `schemas` (less {@link BUNDLE_EXCLUDED_TABLES}), read from the
 * catalog so that a table a later migration adds is exported without a code
 * change, in foreign-key order (a referenced table before the tables that
 * reference it) and, within that, by name. A table without a primary key
 * cannot be ordered deterministically and is refused.
 */
export async function describeBundleTables(q: Queryable, schemas: readonly string[]): Promise<BundleTable[]> {
  const tables = await select<{ schema: string; table: string }>(q, 
    `SELECT n.nspname AS schema, c.relname AS "table"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) AND NOT c.relispartition
      ORDER BY 1, 2`,
    [schemas],
  );
  const keys = await select<{ name: string; columns: string[] }>(q, 
    `SELECT n.nspname || '.' || c.relname AS name,
            array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE con.contype = 'p' AND n.nspname = ANY($1::text[])
      GROUP BY 1`,
    [schemas],
  );
  const refs = await select<{ name: string; target: string }>(q, 
    `SELECT DISTINCT n.nspname || '.' || c.relname AS name, tn.nspname || '.' || t.relname AS target
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class t ON t.oid = con.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE con.contype = 'f' AND n.nspname = ANY($1::text[])`,
    [schemas],
  );
  const seqs = await select<{ name: string; column: string; sequence: string }>(q, 
    `SELECT n.nspname || '.' || c.relname AS name, a.attname::text AS column, pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) AS sequence
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL`,
    [schemas],
  );
  const keyOf = new Map(keys.map((k) => [k.name, k.columns]));
  const described = tables
    .map((t) => ({ ...t, name: `${t.schema}.${t.table}` }))
    .filter((t) => !BUNDLE_EXCLUDED_TABLES.includes(t.name))
    .map((t): BundleTable => {
      const primaryKey = keyOf.get(t.name);
      if (!primaryKey?.length) throw new Error(`table ${t.name} has no primary key: its rows cannot be exported in a stable order`);
      return {
        ...t,
        primaryKey,
        references: refs.filter((r) => r.name === t.name && r.target !== t.name).map((r) => r.target).sort(),
        sequenceColumns: seqs.filter((s) => s.name === t.name).map((s) => ({ column: s.column, sequence: s.sequence })),
      };
    });
  return foreignKeyOrder(described);
}

/** Referenced tables first (a stable topological sort, by name among equals). */
export function foreignKeyOrder(tables: BundleTable[]): BundleTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: BundleTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: BundleTable, path: string[]) => {
    const s = state.get(t.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`foreign keys form a cycle: ${[...path, t.name].join(' → ')}`);
    state.set(t.name, 'visiting');
    for (const r of t.references) {
      const dep = byName.get(r);
      if (dep) visit(dep, [...path, t.name]);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(t, []);
  return out;
}
