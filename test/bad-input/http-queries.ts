/**
 * Table-driven query cases: every parameter of every list route with values it
 * must refuse (page sizes, page tokens, statuses, patterns, time ranges),
 * unknown, repeated and nested parameters; the live streams' resume points and
 * filters; a WebSocket route asked without an upgrade.
 */
import type { BadInputHarness } from './harness';
import { validRequest } from './requests';
import { routeKey, ROUTES, RouteSpec } from './routes';

const route = (key: string): RouteSpec => {
  const r = ROUTES.find((x) => routeKey(x) === key);
  if (!r) throw new Error(`no route ${key} in the table`);
  return r;
};

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** Values no time bound accepts. */
export const BAD_INSTANTS: readonly string[] = [
  'yesterday',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T25:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00:00',
  '2026-01-01 00:00:00Z',
  '2026-01-01T00:00:00+16:00',
  '2026-01-01T00:00:00-23:59',
  '9999-12-31T23:59:59-23:59',
  '2026-01-01T00:00:00+99:99',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '1790000000',
  '',
];

/** Values no page_size accepts (1..500). */
export const BAD_PAGE_SIZES: readonly string[] = ['0', '-1', '501', '1.5', '1e2', 'abc', '', ' 5', '+5', '0x10', '9999999999', '5 '];

/** Values no integer bound accepts, for `limit` (1..10000). */
const BAD_LIMITS: readonly string[] = ['0', '10001', '-1', '1.5', 'abc', '', '1e3'];

/** page_token values the jobs list never issued. */
const BAD_JOB_TOKENS: readonly string[] = [
  'garbage!',
  'x'.repeat(513),
  b64('not json'),
  b64('[]'),
  b64('["2026-01-01T00:00:00.000000Z"]'),
  b64('["9999-99-99T00:00:00.000000Z","01a20000-0000-7000-8000-000000000000"]'),
  b64('["2026-01-01T00:00:00Z","01a20000-0000-7000-8000-000000000000"]'),
  b64('["2026-01-01T00:00:00.000000Z","not-a-uuid"]'),
  b64('a.1'),
  '',
];

/** page_token values the audit list never issued. */
const BAD_AUDIT_TOKENS: readonly string[] = ['garbage!', 'x'.repeat(65), b64('a.0'), b64('a.-1'), b64('a.1.5'), b64('b.1'), b64('a.1234567890123456'), b64('["2026-01-01T00:00:00.000000Z","01a20000-0000-7000-8000-000000000000"]'), ''];

/** page_token values the webhook lists never issued. */
const BAD_CURSORS: readonly string[] = ['garbage!', 'x'.repeat(513), 'AAAA', b64('not-a-uuid'), b64('01a20000-0000-7000-8000-00000000000'), ''];

/** Query parameter names no list route reads (`access_token` is refused earlier, with 401: see the authentication cases). */
const UNKNOWN_PARAMS: readonly string[] = ['pageSize', 'offset', '__proto__', 'constructor', 'hasOwnProperty', 'status[]', 'tenant', 'Page_Size'];

/** Bad values per parameter name, for every route that reads it. */
const BAD_VALUES: Record<string, readonly string[]> = {
  status: ['QUEUED', 'done', 'queued,failed', '', 'dead-lettered'],
  jobType: ['.x', 'a~b', 'j'.repeat(129), 'ジョブ', ''],
  project: ['P1', 'p 1', 'p'.repeat(64), '*', ''],
  created_after: BAD_INSTANTS,
  created_before: BAD_INSTANTS,
  from: BAD_INSTANTS,
  to: BAD_INSTANTS,
  page_size: BAD_PAGE_SIZES,
  limit: BAD_LIMITS,
  next: ['-1', '101', '1.5', 'abc', '', '1e2'],
  kind: ['RATE', 'token_bucket', 'rate,quota', ''],
  active: ['yes', '1', 'TRUE', ''],
  source: ['.x', 'a b', 's'.repeat(129), 'caf\u00e9', ''],
  action: ['Job.cancel', 'job', 'job.', '.cancel', 'a.b.c.d.e', ''],
  targetType: ['Job', '1job', 't'.repeat(65), ''],
  targetId: [' ', 'a b', 't'.repeat(201), 'caf\u00e9', ''],
  errorCode: [' ', 'a b', 'c'.repeat(129), 'caf\u00e9', ''],
  replayed: ['yes', '1', 'TRUE', ''],
};

/** Bad values for a delivery list's `status`. */
const BAD_DELIVERY_STATUSES: readonly string[] = ['DEAD', 'queued', 'succeeded,dead', ''];

function qs(params: [string, string][]): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function describeQueries(h: BadInputHarness): void {
  const listRoutes = ROUTES.filter((r) => r.query !== undefined);

  describe('list routes refuse each bad, unknown, repeated or nested query parameter with 400', () => {
    it.each(listRoutes.map((r) => [routeKey(r), r] as const))('%s', async (_key, r) => {
      const tokens: Record<string, readonly string[]> = {
        'GET /api/v1/jobs': BAD_JOB_TOKENS,
        'GET /api/v1/audit': BAD_AUDIT_TOKENS,
        'GET /api/v1/webhooks': BAD_CURSORS,
        'GET /api/v1/webhooks/{id}/deliveries': BAD_CURSORS,
        'GET /api/v1/schedules': BAD_CURSORS,
        'GET /api/v1/runs': BAD_JOB_TOKENS,
        'GET /api/v1/dead-letters': BAD_JOB_TOKENS,
        'GET /api/v1/backfills': BAD_JOB_TOKENS,
      };
      for (const name of r.query!) {
        const values = name === 'page_token' ? tokens[routeKey(r)] : name === 'status' && r.path.endsWith('/deliveries') ? BAD_DELIVERY_STATUSES : BAD_VALUES[name];
        if (!values) throw new Error(`no bad values for ${name}`);
        for (const v of values) {
          await h.refused(`with ${name}=${JSON.stringify(v.slice(0, 60))}`, r, validRequest(h, r, { query: qs([[name, v]]) }), 400, 'validation_failed');
        }
        await h.refused(`with ${name} given twice`, r, validRequest(h, r, { query: `${name}=1&${name}=2` }), 400, 'validation_failed');
        await h.refused(`with ${name} nested`, r, validRequest(h, r, { query: `${name}[a]=1` }), 400, 'validation_failed');
      }
      for (const name of UNKNOWN_PARAMS) {
        await h.refused(`with unknown parameter ${name}`, r, validRequest(h, r, { query: qs([[name, '1']]) }), 400, 'validation_failed');
      }
      for (const [after, before] of [['created_after', 'created_before'], ['from', 'to']]) {
        if (!r.query!.includes(after)) continue;
        await h.refused('with an inverted time range', r, validRequest(h, r, { query: qs([[after, '2026-02-01T00:00:00Z'], [before, '2026-01-01T00:00:00Z']]) }), 400, 'validation_failed');
        await h.refused('with an empty time range', r, validRequest(h, r, { query: qs([[after, '2026-01-01T00:00:00Z'], [before, '2026-01-01T01:00:00+01:00']]) }), 400, 'validation_failed');
      }
    });
  });

  describe('live streams refuse bad resume points, starts and filters before streaming anything', () => {
    const sse = route('GET /api/v1/events/stream');
    const ws = route('GET /api/v1/events/ws');
    const logs = route('GET /api/v1/jobs/{id}/logs/stream');
    const BAD_SEQUENCES = ['-1', 'abc', '1.5', '1e3', '12345678901234567', '0x10', '9007199254740993'];
    const BAD_FROM = ['middle', 'START', 'beginning', '0'];
    const BAD_FILTERS: [string, string][] = [
      ['project', 'P1'],
      ['project', 'p'.repeat(64)],
      ['jobType', '.x'],
      ['jobType', 'a~b'],
      ['correlationId', 'c'.repeat(129)],
      ['project', 'p1&project=p2'],
    ];

    it('GET /api/v1/events/stream', async () => {
      for (const v of BAD_SEQUENCES) {
        await h.refused(`with Last-Event-ID ${v}`, sse, validRequest(h, sse, { headers: { 'last-event-id': v } }), 400, 'validation_failed');
        await h.refused(`with ?lastEventId=${v}`, sse, validRequest(h, sse, { query: qs([['lastEventId', v]]) }), 400, 'validation_failed');
      }
      for (const v of BAD_FROM) await h.refused(`with ?from=${v}`, sse, validRequest(h, sse, { query: qs([['from', v]]) }), 400, 'validation_failed');
      for (const [k, v] of BAD_FILTERS) await h.refused(`with ${k}=${v.slice(0, 20)}`, sse, validRequest(h, sse, { query: k === 'project' && v.includes('&') ? `project=p1&project=p2` : qs([[k, v]]) }), 400, 'validation_failed');
      await h.refused('with from given twice', sse, validRequest(h, sse, { query: 'from=start&from=new' }), 400, 'validation_failed');
    });

    it('GET /api/v1/events/ws (refused on the upgrade request, before any WebSocket exists)', async () => {
      for (const v of BAD_SEQUENCES) await h.refused(`with ?since=${v}`, ws, validRequest(h, ws, { query: qs([['since', v]]) }), 400, 'validation_failed');
      for (const v of BAD_FROM) await h.refused(`with ?from=${v}`, ws, validRequest(h, ws, { query: qs([['from', v]]) }), 400, 'validation_failed');
      for (const [k, v] of BAD_FILTERS) await h.refused(`with ${k}=${v.slice(0, 20)}`, ws, validRequest(h, ws, { query: k === 'project' && v.includes('&') ? `project=p1&project=p2` : qs([[k, v]]) }), 400, 'validation_failed');
      await h.refused('as a plain GET without Upgrade', ws, validRequest(h, ws), 400, 'validation_failed', { plain: true });
      await h.refused('as an upgrade to another protocol', ws, validRequest(h, ws, { headers: { upgrade: 'h2c', connection: 'Upgrade' } }), 400, 'validation_failed', { plain: true });
    });

    it('GET /api/v1/jobs/{id}/logs/stream', async () => {
      for (const v of BAD_SEQUENCES) {
        await h.refused(`with Last-Event-ID ${v}`, logs, validRequest(h, logs, { headers: { 'last-event-id': v } }), 400, 'validation_failed');
        await h.refused(`with ?lastEventId=${v}`, logs, validRequest(h, logs, { query: qs([['lastEventId', v]]) }), 400, 'validation_failed');
      }
      for (const v of BAD_FROM) await h.refused(`with ?from=${v}`, logs, validRequest(h, logs, { query: qs([['from', v]]) }), 400, 'validation_failed');
    });
  });
}
