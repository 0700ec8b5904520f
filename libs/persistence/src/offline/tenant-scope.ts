/**
 * Which rows of each bundle table belong to one tenant, for tenant-scoped
 * bundles (`orchctl export --tenant`, `POST /api/v1/exports`). Every table of
 * the bundle schemas must be listed here: a table this map does not know is
 * refused at export (never exported whole, never left out unnoticed), and
 * `tenant-scope.int-spec.ts` fails on a migrated database the day a migration
 * adds one. Rows that belong to no tenant (installation settings) are named in
 * `shared` and stay out of every tenant bundle.
 */
import { BundleError } from './bundle-format';
import type { BundleTable } from './catalog';

/** Rows whose `column` holds the tenant. */
export interface ColumnScope {
  kind: 'column';
  column: string;
  /** Rows of this table that belong to no tenant and are left out, when the column can be NULL. */
  shared?: string;
}

/**
 * Rows of a child table without a tenant of its own: those whose key (`keySql`
 * over the row alias `t`, `keyOf` the same over a bundle line) names a row of
 * `parent`'s `parentColumn` that is the tenant's.
 */
export interface ParentScope {
  kind: 'parent';
  parent: string;
  parentColumn: string;
  keySql: string;
  keyOf: (row: Record<string, unknown>) => string;
  /** Rows whose parent belongs to no tenant, left out. */
  shared?: string;
}

/** How one table's rows are attributed to a tenant. */
export type TenantScope = ColumnScope | ParentScope;

const byTenant = (shared?: string): ColumnScope => ({ kind: 'column', column: 'tenant', ...(shared ? { shared } : {}) });

/** Every table of the `ledger` and `limits` schemas (less `ledger.outbox`, never bundled), with how its rows name their tenant. */
export const TENANT_SCOPES: Readonly<Record<string, TenantScope>> = {
  'ledger.audit_heads': byTenant(),
  'ledger.audit_log': byTenant(),
  'ledger.backfills': byTenant(),
  'ledger.chain_heads': byTenant(),
  'ledger.dead_letters': byTenant(),
  'ledger.idempotency_keys': byTenant(),
  'ledger.job_events': byTenant(),
  'ledger.jobs': byTenant(),
  'ledger.run_edges': byTenant(),
  'ledger.runs': byTenant(),
  'ledger.schedules': byTenant(),
  'ledger.watermarks': byTenant(),
  'ledger.schedule_fires': { kind: 'parent', parent: 'ledger.schedules', parentColumn: 'id', keySql: 't."schedule_id"::text', keyOf: (r) => String(r['schedule_id']) },
  'limits.admissions': byTenant(),
  'limits.audit_outbox': byTenant(),
  'limits.outcomes': byTenant(),
  'limits.pauses': byTenant('pauses over every tenant (tenant NULL): installation settings'),
  'limits.rules': byTenant('rules over every tenant (tenant NULL): installation settings'),
  // A state key starts with its rule id (`<ruleId>|<dim>=<value>…`, libs/domain/src/limits/keys.ts).
  'limits.state': {
    kind: 'parent',
    parent: 'limits.rules',
    parentColumn: 'id',
    keySql: `split_part(t."key", '|', 1)`,
    keyOf: (r) => String(r['key']).split('|')[0],
    shared: "state of rules over every tenant (even keyed per tenant) and of rules no longer defined: it follows the rule, which is the installation's",
  },
};

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const qualifiedName = (name: string) => name.split('.').map(quote).join('.');

/** The scope of `table`, or a refusal naming the map to extend. */
export function tenantScopeOf(table: string): TenantScope {
  const scope = TENANT_SCOPES[table];
  if (!scope) {
    throw new BundleError(
      'bundle_invalid',
      `table ${table} has no tenant scope: a tenant bundle cannot tell whose its rows are (add it to TENANT_SCOPES in libs/persistence/src/offline/tenant-scope.ts)`,
    );
  }
  return scope;
}

/**
 * The `WHERE` clause (over the row alias `t`, the tenant as `$1`) that keeps
 * `table`'s rows of one tenant. A parent's own scope is applied recursively,
 * so a child never outlives the filter of the row it hangs on.
 */
export function tenantWhere(table: Pick<BundleTable, 'name'>): string {
  return `WHERE ${tenantCondition(table.name, 't', 0)}`;
}

function tenantCondition(table: string, alias: string, depth: number): string {
  const scope = tenantScopeOf(table);
  if (scope.kind === 'column') return `${alias}.${quote(scope.column)} = $1`;
  if (depth > 4) throw new BundleError('bundle_invalid', `tenant scope of ${table} nests too deep`);
  const p = `p${depth}`;
  const key = scope.keySql.replace(/\bt\./g, `${alias}.`);
  return `${key} IN (SELECT ${p}.${quote(scope.parentColumn)}::text FROM ${qualifiedName(scope.parent)} ${p} WHERE ${tenantCondition(scope.parent, p, depth + 1)})`;
}

/**
 * Checks that every row of a tenant bundle is `tenant`'s, by the same rules
 * the export filtered with: a column holding another tenant (or none), or a
 * child whose parent row is not in the bundle, is a row that should not be
 * there. `rows` are the bundle's parsed lines per table.
 */
export function assertTenantRows(tenant: string, rows: ReadonlyMap<string, readonly Record<string, unknown>[]>): void {
  const keysOf = new Map<string, Set<string>>();
  const parentKeys = (table: string, column: string) => {
    const id = `${table}\u0000${column}`;
    let keys = keysOf.get(id);
    if (!keys) keysOf.set(id, (keys = new Set((rows.get(table) ?? []).map((r) => String(r[column])))));
    return keys;
  };
  for (const [table, lines] of rows) {
    const scope = tenantScopeOf(table);
    lines.forEach((row, i) => {
      const ok = scope.kind === 'column' ? row[scope.column] === tenant : parentKeys(scope.parent, scope.parentColumn).has(scope.keyOf(row));
      if (!ok) {
        const why = scope.kind === 'column' ? `its ${scope.column} is ${JSON.stringify(row[scope.column])}` : `it hangs on no ${scope.parent} row of the bundle`;
        throw new BundleError('bundle_tampered', `${table} line ${i + 1} is not tenant ${tenant}'s (${why}), in a bundle of that tenant only`);
      }
    });
  }
}
