/**
 * Generated HTTP cases (fast-check): arbitrary JSON bodies, one wrong field at
 * a time, arbitrary ids, query values, credentials and operator headers, each
 * against the routes that take them. Every run must be refused with a 4xx
 * problem and leave the ledger as it was; a failure shrinks to a minimal request.
 */
import { DELIVERY_STATUSES, ID_TOKEN_PATTERN, JOB_STATUSES, JOB_TYPE_PATTERN, AUDIT_ACTION_PATTERN, AUDIT_TARGET_TYPE_PATTERN, LIMIT_RULE_KINDS, SOURCE_PATTERN } from '@orch/contracts';
import fc, { Arbitrary } from 'fast-check';
import { anyText, badReason, corrupt, garbageToken, jobCorruption, notMatching, unknownKey, webhookCorruption } from './arbitraries';
import type { BadInputHarness } from './harness';
import { validBody, validRequest, VALID_JOB } from './requests';
import { routeKey, ROUTES, RouteSpec } from './routes';

/** Runs per property: enough to hit every branch of the generators, bounded so the suite stays well under two minutes. */
export const RUNS = { small: 40, medium: 60, large: 100 } as const;

const route = (key: string): RouteSpec => ROUTES.find((x) => routeKey(x) === key)!;
const qs = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;

/** Per query parameter, values it must refuse (oracles: the services' own patterns and bounds). */
const badQueryValue: Record<string, Arbitrary<string>> = {
  status: anyText(20).filter((s) => !(JOB_STATUSES as readonly string[]).includes(s)),
  jobType: notMatching(JOB_TYPE_PATTERN, 129),
  project: notMatching(ID_TOKEN_PATTERN, 64),
  created_after: anyText(30).filter((s) => !/^\d{4}-/.test(s)),
  created_before: anyText(30).filter((s) => !/^\d{4}-/.test(s)),
  from: anyText(30).filter((s) => !/^\d{4}-/.test(s)),
  to: anyText(30).filter((s) => !/^\d{4}-/.test(s)),
  page_size: fc.oneof(anyText(10).filter((s) => !/^\d{1,9}$/.test(s)), fc.integer({ min: 501, max: 999_999_999 }).map(String), fc.constant('0')),
  page_token: anyText(80).filter((s) => s.length > 0),
  limit: fc.oneof(anyText(10).filter((s) => !/^\d{1,9}$/.test(s)), fc.integer({ min: 10_001, max: 999_999_999 }).map(String)),
  next: fc.oneof(anyText(10).filter((s) => !/^\d{1,9}$/.test(s)), fc.integer({ min: 101, max: 999_999_999 }).map(String)),
  action: notMatching(AUDIT_ACTION_PATTERN, 140),
  targetType: notMatching(AUDIT_TARGET_TYPE_PATTERN, 65),
  targetId: anyText(30).filter((s) => !/^[\x21-\x7e]{1,200}$/.test(s)),
  kind: anyText(20).filter((s) => !(LIMIT_RULE_KINDS as readonly string[]).includes(s)),
  source: notMatching(SOURCE_PATTERN, 129),
  active: anyText(10).filter((s) => s !== 'true' && s !== 'false'),
  replayed: anyText(10).filter((s) => s !== 'true' && s !== 'false'),
  errorCode: anyText(30).filter((s) => !/^[\x21-\x7e]{1,128}$/.test(s)),
};

export function describeHttpProperties(h: BadInputHarness): void {
  const jsonRoutes = ROUTES.filter((r) => r.jsonBody);
  const idRoutes = ROUTES.filter((r) => r.id !== undefined);
  const listRoutes = ROUTES.filter((r) => r.query !== undefined);

  describe('generated requests (fast-check) are refused with a 4xx problem and change nothing', () => {
    it('any JSON value as the body of a JSON route', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...jsonRoutes), fc.jsonValue({ maxDepth: 4 }), async (r, value) => {
          // `{}` is a whole, valid body of some routes (a replay as it was): not bad input there.
          if (r.emptyObjectValid && JSON.stringify(value) === '{}') return;
          await h.refused('with a generated JSON body', r, validRequest(h, r, { body: JSON.stringify(value) }), 400, ['decode_failed', 'validation_failed']);
        }),
        { numRuns: RUNS.large },
      );
    });

    it('a job with one field wrong, alone and as a batch item', async () => {
      const jobs = route('POST /api/v1/jobs');
      const batch = route('POST /api/v1/jobs/batch');
      await fc.assert(
        fc.asyncProperty(jobCorruption, fc.nat({ max: 3 }), async (c, at) => {
          const bad = corrupt({ ...VALID_JOB }, c);
          await h.refused(`with ${c.field} = ${JSON.stringify(c.value)?.slice(0, 80)}`, jobs, validRequest(h, jobs, { body: bad }), c.status);
          const items = Array.from({ length: 4 }, () => JSON.stringify(VALID_JOB));
          items[at] = bad;
          await h.refused(`with item ${at}: ${c.field} = ${JSON.stringify(c.value)?.slice(0, 80)}`, batch, validRequest(h, batch, { body: `{"jobs":[${items.join(',')}]}` }), c.status);
        }),
        { numRuns: RUNS.large },
      );
    });

    it('a webhook with one field wrong, on create and on update', async () => {
      const create = route('POST /api/v1/webhooks');
      const update = route('PATCH /api/v1/webhooks/{id}');
      await fc.assert(
        fc.asyncProperty(webhookCorruption(false), webhookCorruption(true), async (c, u) => {
          await h.refused(`with ${c.field} = ${JSON.stringify(c.value)?.slice(0, 80)}`, create, validRequest(h, create, { body: corrupt({ ...(validBody(create) as object) }, c) }), c.status);
          await h.refused(`with ${u.field} = ${JSON.stringify(u.value)?.slice(0, 80)}`, update, validRequest(h, update, { body: corrupt({ ...(validBody(update) as object) }, u) }), u.status);
        }),
        { numRuns: RUNS.medium },
      );
    });

    it('any id on a route that takes one is 404, whatever its script or shape', async () => {
      const ids = fc.oneof(anyText(60), fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.string({ minLength: 200, maxLength: 2_000 })).filter((s) => s !== '');
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...idRoutes), ids, async (r, id) => {
          await h.refused(`with id ${JSON.stringify(id.slice(0, 60))}`, r, validRequest(h, r, { id }), 404, 'not_found');
        }),
        { numRuns: RUNS.large * 2 },
      );
    });

    it('a bad value of any query parameter of a list route, or an unknown parameter', async () => {
      const pairs = fc.constantFrom(...listRoutes).chain((r) => {
        const known = r.query!;
        const params = known.filter((p) => badQueryValue[p] !== undefined || p === 'status');
        return fc.oneof(
          fc.constantFrom(...params).chain((p) => {
            const values = p === 'status' && r.path.endsWith('/deliveries') ? anyText(20).filter((s) => !(DELIVERY_STATUSES as readonly string[]).includes(s)) : badQueryValue[p];
            return values.map((v) => ({ r, query: qs(p, v) }));
          }),
          fc.tuple(unknownKey(known).filter((k) => k.trim() !== ''), anyText(10)).map(([k, v]) => ({ r, query: qs(k, v) })),
        );
      });
      await fc.assert(
        fc.asyncProperty(pairs, async ({ r, query }) => {
          await h.refused(`with ?${query.slice(0, 100)}`, r, validRequest(h, r, { query }), 400, 'validation_failed');
        }),
        { numRuns: RUNS.large * 2 },
      );
    });

    it('a garbage bearer credential on any route is 401', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROUTES), garbageToken, fc.boolean(), async (r, token, inQuery) => {
          const req = r.stream && inQuery ? validRequest(h, r, { token: null, query: `access_token=${encodeURIComponent(token)}` }) : validRequest(h, r, { token });
          await h.refused(`with credential ${JSON.stringify(token.slice(0, 60))}`, r, req, 401, 'unauthorized');
        }),
        { numRuns: RUNS.large },
      );
    });

    it('an X-Orch-Reason too long, blank or not printable ASCII on any operator action is 400', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROUTES.filter((r) => r.operator)), badReason, async (r, reason) => {
          await h.refused(`with X-Orch-Reason ${JSON.stringify(reason.slice(0, 40))}`, r, validRequest(h, r, { headers: { 'x-orch-reason': reason } }), 400, 'validation_failed');
        }),
        { numRuns: RUNS.small },
      );
    });

    it('a bad resume point or start on a live stream is 400 before anything is streamed', async () => {
      const streams = ROUTES.filter((r) => r.stream);
      const badSeq = anyText(20).filter((s) => s.trim() !== '' && !/^\d+$/.test(s.trim()));
      const badFrom = anyText(12).filter((s) => s.trim() !== '' && !['start', 'new'].includes(s.trim()));
      const cases = fc.constantFrom(...streams).chain((r) =>
        fc.oneof(
          badFrom.map((v) => ({ r, query: qs('from', v), headers: {} })),
          badSeq.map((v) => ({ r, query: qs(r.stream === 'ws' ? 'since' : 'lastEventId', v), headers: {} })),
          ...(r.stream === 'sse' ? [badSeq.filter((v) => /^[\t\x20-\x7e]*$/.test(v)).map((v) => ({ r, query: '', headers: { 'last-event-id': v } }))] : []),
        ),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ({ r, query, headers }) => {
          await h.refused(`with ${query || JSON.stringify(headers)}`, r, validRequest(h, r, { query, headers }), 400, 'validation_failed');
        }),
        { numRuns: RUNS.medium },
      );
    });
  });
}
