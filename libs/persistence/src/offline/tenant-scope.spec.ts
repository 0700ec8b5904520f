import { BundleError } from './bundle-format';
import { assertTenantRows, tenantScopeOf, tenantWhere, TENANT_SCOPES } from './tenant-scope';

const codeAndMessage = (f: () => unknown): { code?: string; message?: string } => {
  try {
    f();
  } catch (err) {
    if (err instanceof BundleError) return { code: err.code, message: err.message };
    throw err;
  }
  return {};
};

describe('tenantWhere', () => {
  it('filters a table with a tenant column by it, the tenant as $1', () => {
    expect(tenantWhere({ name: 'ledger.jobs' })).toBe('WHERE t."tenant" = $1');
  });

  it("filters a child table through its parent's own filter", () => {
    expect(tenantWhere({ name: 'ledger.schedule_fires' })).toBe(`WHERE t."schedule_id"::text IN (SELECT p0."id"::text FROM "ledger"."schedules" p0 WHERE p0."tenant" = $1)`);
    expect(tenantWhere({ name: 'limits.state' })).toBe(`WHERE split_part(t."key", '|', 1) IN (SELECT p0."id"::text FROM "limits"."rules" p0 WHERE p0."tenant" = $1)`);
  });

  it('refuses a table no scope is declared for, naming where to declare it', () => {
    expect(codeAndMessage(() => tenantWhere({ name: 'ledger.new_table' }))).toEqual({
      code: 'bundle_invalid',
      message: expect.stringMatching(/ledger\.new_table has no tenant scope.*TENANT_SCOPES in libs\/persistence\/src\/offline\/tenant-scope\.ts/),
    });
  });

  it("gives every parent scope a parent that is itself scoped (a child never escapes the tenant filter)", () => {
    for (const [table, scope] of Object.entries(TENANT_SCOPES)) {
      if (scope.kind === 'parent') expect({ table, parent: tenantScopeOf(scope.parent).kind }).toEqual({ table, parent: expect.stringMatching(/column|parent/) });
    }
  });
});

describe('assertTenantRows', () => {
  const rule = { id: 'ta-cap', tenant: 'ta' };
  const rows = (extra: [string, Record<string, unknown>[]][] = []) =>
    new Map<string, Record<string, unknown>[]>([
      ['ledger.jobs', [{ id: 'j1', tenant: 'ta' }]],
      ['ledger.schedules', [{ id: 's1', tenant: 'ta' }]],
      ['ledger.schedule_fires', [{ schedule_id: 's1', fire_time: 't' }]],
      ['limits.rules', [rule]],
      ['limits.state', [{ key: 'ta-cap|tenant=ta' }, { key: 'ta-cap' }]],
      ...extra,
    ]);

  it("accepts a bundle whose every row is the tenant's, directly or through its parent", () => {
    expect(() => assertTenantRows('ta', rows())).not.toThrow();
  });

  it('names the first row of another tenant, of no tenant, or without its parent', () => {
    const cases: [string, Map<string, Record<string, unknown>[]>, RegExp][] = [
      ['another tenant', rows([['ledger.jobs', [{ id: 'j1', tenant: 'ta' }, { id: 'j2', tenant: 'tb' }]]]), /ledger\.jobs line 2 is not tenant ta's \(its tenant is "tb"\)/],
      ['no tenant', rows([['limits.rules', [rule, { id: 'shared', tenant: null }]]]), /limits\.rules line 2 is not tenant ta's \(its tenant is null\)/],
      ['no parent', rows([['ledger.schedule_fires', [{ schedule_id: 's9' }]]]), /schedule_fires line 1 is not tenant ta's \(it hangs on no ledger\.schedules row of the bundle\)/],
      ["the state of another's rule", rows([['limits.state', [{ key: 'shared|tenant=ta' }]]]), /limits\.state line 1/],
    ];
    for (const [what, bundle, message] of cases) expect({ what, ...codeAndMessage(() => assertTenantRows('ta', bundle)) }).toEqual({ what, code: 'bundle_tampered', message: expect.stringMatching(message) });
  });

  it('refuses a table it has no scope for', () => {
    expect(codeAndMessage(() => assertTenantRows('ta', rows([['ledger.mystery', []]]))).message).toMatch(/ledger\.mystery has no tenant scope/);
  });
});
