import { readClaims } from './claims';

describe('readClaims', () => {
  const base = { sub: 'alice', exp: 2_000_000_000 };

  it.each([
    ['scope as a space-separated string', { scope: 'orch:read  orch:operate' }, ['orch:read', 'orch:operate']],
    ['scp as an array', { scp: ['orch:quota', 'orch:read'] }, ['orch:read', 'orch:quota']],
    ['scopes as an array', { scopes: ['orch:backfill'] }, ['orch:backfill']],
    ['the union of all three, deduplicated', { scope: 'orch:read', scp: ['orch:read', 'orch:operate'], scopes: ['orch:quota'] }, ['orch:read', 'orch:operate', 'orch:quota']],
    ['unknown scopes dropped', { scope: 'openid profile orch:admin orch:read' }, ['orch:read']],
    ['no scope claim', {}, []],
  ])('reads %s', (_what, claims, scopes) => {
    expect(readClaims({ ...base, ...claims }).scopes).toEqual(scopes);
  });

  it('reads tenant, tenants or both, deduplicated in claim order', () => {
    expect(readClaims({ ...base, tenant: 'acme' }).tenants).toEqual(['acme']);
    expect(readClaims({ ...base, tenants: ['b', 'a', 'b'] }).tenants).toEqual(['b', 'a']);
    expect(readClaims({ ...base, tenant: 'a', tenants: ['b', 'a'] }).tenants).toEqual(['a', 'b']);
    expect(readClaims(base).tenants).toEqual([]);
  });

  it('returns the subject and exp in milliseconds', () => {
    expect(readClaims({ ...base, tenant: 'acme' })).toEqual({ subject: 'alice', scopes: [], tenants: ['acme'], expiresAt: 2_000_000_000_000 });
  });

  it.each([
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 7 }],
    ['a tenant that would split a subject', { tenant: 'a.b' }],
    ['a wildcard tenant', { tenants: ['*'] }],
    ['a non-string tenant', { tenant: ['a'] }],
    ['a scp of numbers', { scp: [1] }],
    ['too many tenants', { tenants: Array.from({ length: 101 }, (_, i) => `t${i}`) }],
  ])('refuses %s with unauthorized', (_what, claims) => {
    expect(() => readClaims({ ...base, ...claims })).toThrow(expect.objectContaining({ code: 'unauthorized', status: 401 }));
  });
});
