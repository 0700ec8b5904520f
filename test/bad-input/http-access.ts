/**
 * Table-driven cases every route gets: bad credentials (401), missing scope or
 * tenant (403/400), bad operator and idempotency headers (400), and another
 * tenant's objects and malformed ids (404, exactly like an id that never
 * existed, leaking nothing).
 */
import { randomUUID } from 'node:crypto';
import { expectNoLeak, normalizedNotFound } from './expectations';
import type { BadInputHarness } from './harness';
import { idOf, REASON, validRequest } from './requests';
import { routeKey, ROUTES, RouteSpec } from './routes';
import { TENANT_A, TENANT_B } from './tokens';

const each = (routes: readonly RouteSpec[]) => routes.map((r) => [routeKey(r), r] as const);

/** Ids that name nothing: malformed, hostile or merely absent. */
export const MALFORMED_IDS: readonly string[] = [
  'nope',
  '0',
  '-1',
  'null',
  'undefined',
  ' ',
  '\u0000',
  "' OR '1'='1",
  '1; DROP TABLE ledger.jobs; --',
  '../../etc/passwd',
  '%2e%2e',
  'x'.repeat(5_000),
  'ジョブ',
  '🙂',
  '{01a20000-0000-7000-8000-000000000000}',
  '01a2000000007000800000000000000',
  '01a20000-0000-7000-8000-00000000000g',
  '01a20000-0000-7000-8000-0000000000000',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

/** Malformed `X-Orch-Tenant` values (an empty one counts as absent). */
const BAD_TENANT_HEADERS = ['BI-A', 'bi a', '-bi', 'x'.repeat(64), '../bi-a', 'bi-a*', 'bi.a', 'café'];

export function describeAccess(h: BadInputHarness): void {
  describe('authentication: every route refuses a missing, malformed or invalid token with 401 and a Bearer challenge', () => {
    it.each(each(ROUTES))('%s', async (_key, route) => {
      const cases: [string, Record<string, string>, string?][] = [
        ['no Authorization header', {}],
        ['an empty Bearer', { authorization: 'Bearer' }],
        ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
        ['a token without scheme', { authorization: h.tokens.a }],
        ...Object.entries(h.tokens.invalid).map(([what, token]): [string, Record<string, string>] => [`a token that is ${what}`, { authorization: `Bearer ${token}` }]),
      ];
      if (route.stream) {
        for (const [what, token] of Object.entries(h.tokens.invalid)) cases.push([`?access_token= that is ${what}`, {}, `access_token=${encodeURIComponent(token)}`]);
      } else {
        cases.push(['a valid token in ?access_token= (stream routes only)', {}, `access_token=${h.tokens.a}`]);
      }
      for (const [what, headers, query] of cases) {
        const { answer } = await h.refused(what, route, validRequest(h, route, { token: null, headers, query }), 401, 'unauthorized');
        expect({ what, challenge: answer.headers['www-authenticate'] }).toEqual({ what, challenge: expect.stringMatching(/^Bearer realm="orch"/) });
      }
    });
  });

  describe('authorization: a token without the scope or the tenant is refused, and nothing changes', () => {
    it.each(each(ROUTES))('%s', async (_key, route) => {
      const wrongScope = route.scope === 'orch:read' ? h.tokens.operateA : h.tokens.readA;
      await h.refused('with a token lacking its scope', route, validRequest(h, route, { token: wrongScope }), 403, 'forbidden');
      await h.refused('with a token without scopes', route, validRequest(h, route, { token: h.tokens.noScopeA }), 403, 'forbidden');
      await h.refused('with a token that grants no tenant', route, validRequest(h, route, { token: h.tokens.noTenant }), 403, 'forbidden');
      await h.refused('with a two-tenant token and no X-Orch-Tenant', route, validRequest(h, route, { token: h.tokens.ab }), 400, 'tenant_required');
      await h.refused('with X-Orch-Tenant naming a tenant the token lacks', route, validRequest(h, route, { token: h.tokens.ab, headers: { 'x-orch-tenant': 'bi-c' } }), 403, 'forbidden');
      await h.refused('with X-Orch-Tenant naming another tenant', route, validRequest(h, route, { headers: { 'x-orch-tenant': TENANT_B } }), 403, 'forbidden');
      await h.refused('with X-Orch-Tenant sent twice', route, validRequest(h, route, { token: h.tokens.ab, headers: { 'x-orch-tenant': [TENANT_A, TENANT_B] } }), 400, 'validation_failed');
      for (const bad of BAD_TENANT_HEADERS) {
        await h.refused(`with X-Orch-Tenant ${JSON.stringify(bad)}`, route, validRequest(h, route, { headers: { 'x-orch-tenant': bad } }), 400, 'validation_failed');
      }
      if (route.stream) {
        await h.refused('with ?tenant= naming another tenant', route, validRequest(h, route, { query: `tenant=${TENANT_B}` }), 403, 'forbidden');
        await h.refused('with ?tenant= malformed', route, validRequest(h, route, { query: 'tenant=BAD%20TENANT' }), 400, 'validation_failed');
        await h.refused('with ?tenant= and X-Orch-Tenant disagreeing', route, validRequest(h, route, { token: h.tokens.ab, query: `tenant=${TENANT_B}`, headers: { 'x-orch-tenant': TENANT_A } }), 400, 'validation_failed');
      }
    });
  });

  const operatorRoutes = ROUTES.filter((r) => r.operator);
  describe('operator actions: a missing or malformed X-Orch-Reason or X-Orch-Ticket is refused with 400', () => {
    it.each(each(operatorRoutes))('%s', async (_key, route) => {
      // Not here: a header sent twice. Node joins repeats into one "a, b" value, a valid reason or key.
      const reasons: [string, string][] = [
        ['blank', '   '],
        ['257 characters long', 'r'.repeat(257)],
        ['not ASCII', 'caf\u00e9'],
        ['with a tab', 'a\tb'],
      ];
      await h.refused('without X-Orch-Reason', route, validRequest(h, route, { omit: ['x-orch-reason'] }), 400, 'validation_failed');
      for (const [what, reason] of reasons) {
        await h.refused(`with X-Orch-Reason ${what}`, route, validRequest(h, route, { headers: { 'x-orch-reason': reason } }), 400, 'validation_failed');
      }
      for (const [what, ticket] of [['129 characters long', 't'.repeat(129)], ['not ASCII', 'TICKET-\u00e9']]) {
        await h.refused(`with X-Orch-Ticket ${what}`, route, validRequest(h, route, { headers: { ...REASON, 'x-orch-ticket': ticket } }), 400, 'validation_failed');
      }
    });
  });

  const idempotentRoutes = ROUTES.filter((r) => r.idempotent);
  describe('Idempotency-Key: a malformed key is refused with 400 before anything is sent to a writer', () => {
    it.each(each(idempotentRoutes))('%s', async (_key, route) => {
      const keys: [string, string][] = [
        ['201 characters long', 'k'.repeat(201)],
        ['empty', ''],
        ['not ASCII', 'cl\u00e9'],
        ['with a tab', 'k\tk'],
      ];
      for (const [what, key] of keys) {
        await h.refused(`with an Idempotency-Key ${what}`, route, validRequest(h, route, { headers: { 'idempotency-key': key } }), 400, 'validation_failed');
      }
    });
  });

  const idRoutes = ROUTES.filter((r) => r.id !== undefined);
  describe("tenancy: another tenant's object is 404 exactly like one that never existed, and leaks nothing", () => {
    it.each(each(idRoutes))('%s', async (_key, route) => {
      const kind = route.id!;
      const idB = idOf(h.fx.b, kind);
      const idA = idOf(h.fx.a, kind);
      const never = randomUUID();
      const foreign = await h.refused("with the other tenant's id", route, validRequest(h, route, { id: idB }), 404, 'not_found');
      const absent = await h.refused('with an id that never existed', route, validRequest(h, route, { id: never }), 404, 'not_found');
      expect(normalizedNotFound(foreign.problem, idB)).toEqual(normalizedNotFound(absent.problem, never));
      const headerNames = (a: typeof foreign) => Object.keys(a.answer.headers).filter((n) => !['date', 'content-length', 'etag'].includes(n)).sort();
      expect(headerNames(foreign)).toEqual(headerNames(absent));
      expectNoLeak(`${routeKey(route)} with B's id`, JSON.stringify(foreign.answer.headers) + foreign.answer.text.split(idB).join(''), h.fx.secretsOfB);
      // The other way round, and through a two-tenant token choosing the other tenant.
      await h.refused("with A's id asked by B", route, validRequest(h, route, { id: idA, token: h.tokens.b }), 404, 'not_found');
      await h.refused("with B's id asked as A through a two-tenant token", route, validRequest(h, route, { id: idB, token: h.tokens.ab, headers: { 'x-orch-tenant': TENANT_A } }), 404, 'not_found');
    });
  });

  describe('malformed ids: every id route answers 404 not_found for ids that cannot name anything', () => {
    it.each(each(idRoutes))('%s', async (_key, route) => {
      for (const id of MALFORMED_IDS) {
        await h.refused(`with id ${JSON.stringify(id.slice(0, 40))}`, route, validRequest(h, route, { id }), 404, 'not_found');
      }
      const undecodable = validRequest(h, route, { id: 'PLACEHOLDER' });
      undecodable.path = undecodable.path.replace('PLACEHOLDER', '%E0%A4%A');
      await h.refused('with a percent-encoding that does not decode', route, undecodable, [400, 404], ['bad_request', 'not_found']);
    });
  });
}
