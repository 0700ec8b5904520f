/**
 * Table-driven body cases: wrong media types, encodings and charsets,
 * malformed and non-object JSON, unknown and prototype-polluting fields,
 * oversized bodies and payloads, bodies where none belongs, methods no route
 * serves; then each JSON route's own field rules.
 */
import { gzipSync } from 'node:zlib';
import type { BadInputHarness } from './harness';
import { validBody, validRequest, VALID_JOB } from './requests';
import { routeKey, ROUTES, RouteSpec } from './routes';
import { TENANT_B } from './tokens';

const each = (routes: readonly RouteSpec[]) => routes.map((r) => [routeKey(r), r] as const);
const jsonRoutes = ROUTES.filter((r) => r.jsonBody);
const noBodyRoutes = ROUTES.filter((r) => r.noBody);

/** The api's default body limit (`API_MAX_BODY_BYTES`, 1 MiB) and payload limit (`API_MAX_PAYLOAD_BYTES`, 256 KiB). */
export const MAX_BODY_BYTES = 1_048_576;
export const MAX_PAYLOAD_BYTES = 262_144;

/** Text that is not JSON (or not JSON the parser accepts). */
export const MALFORMED_JSON: readonly string[] = [
  '{',
  '}',
  '{"a":}',
  '{"a" 1}',
  "{'a':1}",
  '{"a":1,}',
  '{a:1}',
  '[1,2',
  'NaN',
  '{"a":NaN}',
  '{"a":undefined}',
  '{"a":0x10}',
  '{"a":01}',
  '{"a":"\u0001"}',
  '{"a":"\\x41"}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '\u0000',
  'null',
  'true',
  '42',
  '"a string"',
  '<xml/>',
];

/** `valid` with a raw `"key": value` member first (JSON.stringify cannot write an own `__proto__`). */
export function withRawMember(valid: unknown, member: string): string {
  const json = JSON.stringify(valid);
  return json === '{}' ? `{${member}}` : `{${member},${json.slice(1)}`;
}

/** A JSON body with a string member of `bytes` bytes, the rest of `valid` untouched. */
function padded(valid: unknown, bytes: number): string {
  return withRawMember(valid, `"padding":"${'a'.repeat(bytes)}"`);
}

/** `depth` nested arrays. */
export function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

export function describeBodies(h: BadInputHarness): void {
  describe('JSON routes refuse what is not a JSON object of the right fields, before anything changes', () => {
    it.each(each(jsonRoutes))('%s', async (_key, route) => {
      const valid = validBody(route);
      const json = JSON.stringify(valid);
      const req = (headers: Record<string, string>, body: string | Uint8Array = json, omit: string[] = []) => validRequest(h, route, { headers, body, omit });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'json', 'application/octet-stream']) {
        await h.refused(`with Content-Type ${type}`, route, req({ 'content-type': type }), 415, 'unsupported_media_type');
      }
      await h.refused('without Content-Type', route, req({}, json, ['content-type']), 415, 'unsupported_media_type');
      for (const charset of ['latin1', 'us-ascii', 'koi8-r']) {
        await h.refused(`in charset ${charset}`, route, req({ 'content-type': `application/json; charset=${charset}` }), 415, 'unsupported_media_type');
      }
      await h.refused('in charset utf-16 (not what it says)', route, req({ 'content-type': 'application/json; charset=utf-16' }), [400, 415]);
      for (const encoding of ['gzip', 'deflate', 'br']) {
        await h.refused(`with Content-Encoding ${encoding} that is not`, route, req({ 'content-encoding': encoding }), 400, 'decode_failed');
      }
      for (const encoding of ['compress', 'zstd', 'x-unknown']) {
        await h.refused(`with Content-Encoding ${encoding}`, route, req({ 'content-encoding': encoding }), 415, 'unsupported_media_type');
      }
      for (const text of MALFORMED_JSON) {
        await h.refused(`with body ${JSON.stringify(text)}`, route, req({}, text), 400, 'decode_failed');
      }
      for (const text of ['[]', `[${json}]`, '[{}]']) {
        await h.refused(`with body ${text.slice(0, 30)}`, route, req({}, text), 400, 'validation_failed');
      }
      const members: [string, string][] = [
        ['an unknown field', '"unknownField":1'],
        ['a field differing only in case', '"URL":"http://127.0.0.1:9/x","Project":"p1"'],
        ['a __proto__ member', '"__proto__":{"polluted":true}'],
        ['a constructor member', '"constructor":{"prototype":{"polluted":true}}'],
        ['a number JSON cannot hold (1e400)', '"unknownNumber":1e400'],
        ['nesting 600 levels deep', `"deep":${nested(600)}`],
      ];
      for (const [what, member] of members) {
        await h.refused(`with ${what}`, route, req({}, withRawMember(valid, member)), 400, 'validation_failed');
      }
      await h.refused('with a body over 1 MiB', route, req({}, padded(valid, MAX_BODY_BYTES)), 413, 'payload_too_large');
      await h.refused('with a gzip body that inflates past 1 MiB', route, req({ 'content-encoding': 'gzip' }, gzipSync(padded(valid, 4 * MAX_BODY_BYTES))), 413, 'payload_too_large');
      await h.refused('with a 100,000-level nesting (200 KB)', route, req({}, withRawMember(valid, `"deep":${nested(100_000)}`)), 400, 'validation_failed');
    });
  });

  describe('actions that take no body refuse one, whatever its type', () => {
    it.each(each(noBodyRoutes))('%s', async (_key, route) => {
      const bodies: [string, string, string][] = [
        ['a JSON object with fields', 'application/json', '{"reason":"in the body"}'],
        ['a JSON array', 'application/json', '[]'],
        ['malformed JSON', 'application/json', '{"reason":'],
        ['a form', 'application/x-www-form-urlencoded', 'reason=in+the+body'],
        ['plain text', 'text/plain', 'cancel it'],
        ['bytes', 'application/octet-stream', '\u0001\u0002'],
        ['a form over the urlencoded limit', 'application/x-www-form-urlencoded', `a=${'x'.repeat(200_000)}`],
        ['a form in an unsupported charset', 'application/x-www-form-urlencoded; charset=latin1', 'a=1'],
        ['a gzip form that is not', 'application/x-www-form-urlencoded', 'a=1'],
      ];
      for (const [what, type, body] of bodies) {
        const headers: Record<string, string> = { 'content-type': type, ...(what.startsWith('a gzip') ? { 'content-encoding': 'gzip' } : {}) };
        await h.refused(`with ${what}`, route, validRequest(h, route, { headers, body }), [400, 413, 415]);
      }
    });
  });

  describe('every route refuses a malformed JSON body and methods it does not serve, in problem+json', () => {
    it.each(each(ROUTES.filter((r) => r.method === 'GET' || r.method === 'DELETE')))('%s', async (_key, route) => {
      await h.refused('with a malformed JSON body', route, validRequest(h, route, { headers: { 'content-type': 'application/json' }, body: '{"a":' }), 400, 'decode_failed', { plain: true });
      await h.refused('with a gzip JSON body that is not', route, validRequest(h, route, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' }), 400, undefined, { plain: true });
      await h.refused('with a form over the urlencoded limit', route, validRequest(h, route, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'x'.repeat(200_000)}` }), 413, undefined, { plain: true });
    });

    it.each(each(ROUTES))('%s', async (_key, route) => {
      const served = ROUTES.filter((r) => r.path === route.path && r.service === route.service).map((r) => r.method);
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].filter((m) => !served.includes(m as RouteSpec['method']))) {
        await h.refused(`answered ${method}`, route, { ...validRequest(h, route), method, body: undefined }, 404, 'not_found', { plain: true });
      }
    });
  });

  describe('job submissions refuse each bad field, another tenant and oversized payloads', () => {
    const jobs = ROUTES.find((r) => routeKey(r) === 'POST /api/v1/jobs')!;
    const batch = ROUTES.find((r) => routeKey(r) === 'POST /api/v1/jobs/batch')!;
    const BAD_FIELDS: [string, Record<string, unknown>, number][] = [
      ['no project', { project: undefined }, 400],
      ['no jobType', { jobType: undefined }, 400],
      ['no payload', { payload: undefined }, 400],
      ['an empty project', { project: '' }, 400],
      ['an upper-case project', { project: 'P1' }, 400],
      ['a 64-character project', { project: 'p'.repeat(64) }, 400],
      ['a project with a space', { project: 'p 1' }, 400],
      ['a numeric project', { project: 1 }, 400],
      ['a 129-character jobType', { jobType: 'j'.repeat(129) }, 400],
      ['a jobType starting with a dot', { jobType: '.x' }, 400],
      ['a jobType with ~ (reserved for subjects)', { jobType: 'a~b' }, 400],
      ['a jobType with a subject wildcard', { jobType: 'a.>' }, 400],
      ['a unicode jobType', { jobType: 'ジョブ' }, 400],
      ['a string payload', { payload: 'x' }, 400],
      ['an array payload', { payload: [1] }, 400],
      ['a null payload', { payload: null }, 400],
      ['priority 10', { priority: 10 }, 400],
      ['priority -1', { priority: -1 }, 400],
      ['priority 1.5', { priority: 1.5 }, 400],
      ['priority "5"', { priority: '5' }, 400],
      ['maxAttempts 0', { maxAttempts: 0 }, 400],
      ['maxAttempts 101', { maxAttempts: 101 }, 400],
      ['maxAttempts true', { maxAttempts: true }, 400],
      ['runAt "tomorrow"', { runAt: 'tomorrow' }, 400],
      ['runAt on February 30', { runAt: '2026-02-30T00:00:00Z' }, 400],
      ['runAt as epoch seconds', { runAt: 1_790_000_000 }, 400],
      ['a malformed tenant', { tenant: 'BI-A' }, 400],
      ["another tenant's name", { tenant: TENANT_B }, 403],
      ['a payload over 256 KiB serialized', { payload: { s: 'x'.repeat(MAX_PAYLOAD_BYTES) } }, 413],
      ['a payload with a __proto__ key deep inside', { payload: JSON.parse('{"a":{"b":[{"__proto__":{"x":1}}]}}') as unknown }, 400],
    ];

    it.each(BAD_FIELDS)('POST /api/v1/jobs and each batch item with %s', async (what, patch, status) => {
      const job = { ...VALID_JOB, ...patch };
      await h.refused(`with ${what}`, jobs, validRequest(h, jobs, { body: JSON.stringify(job) }), status);
      const items = [VALID_JOB, VALID_JOB, job];
      const { problem } = await h.refused(`with item 2 having ${what}`, batch, validRequest(h, batch, { body: JSON.stringify({ jobs: items }) }), status);
      expect({ what, paths: (problem.errors ?? []).map((e) => e.path) }).toEqual({ what, paths: expect.arrayContaining([expect.stringMatching(/^jobs\.2(\.|$)/)]) });
    });

    it('POST /api/v1/jobs/batch refuses a batch that is not a list of 1 to 1000 job objects', async () => {
      const bad: [string, unknown][] = [
        ['no jobs', {}],
        ['jobs an object', { jobs: { 0: VALID_JOB } }],
        ['jobs a string', { jobs: 'x' }],
        ['jobs null', { jobs: null }],
        ['an empty list', { jobs: [] }],
        ['1001 jobs', { jobs: Array.from({ length: 1001 }, () => VALID_JOB) }],
        ['a null item', { jobs: [VALID_JOB, null] }],
        ['a number item', { jobs: [VALID_JOB, 1] }],
        ['a string item', { jobs: [VALID_JOB, 'x'] }],
        ['an array item', { jobs: [VALID_JOB, []] }],
        ['an array of a job as item', { jobs: [VALID_JOB, [VALID_JOB]] }],
        ['an empty object item', { jobs: [VALID_JOB, {}] }],
      ];
      for (const [what, body] of bad) await h.refused(`with ${what}`, batch, validRequest(h, batch, { body: JSON.stringify(body) }), 400, 'validation_failed');
    });
  });

  describe('webhooks refuse bad URLs, filters and fields on create and update', () => {
    const create = ROUTES.find((r) => routeKey(r) === 'POST /api/v1/webhooks')!;
    const update = ROUTES.find((r) => routeKey(r) === 'PATCH /api/v1/webhooks/{id}')!;
    const BAD: [string, Record<string, unknown>][] = [
      ['a numeric url', { url: 1 }],
      ['an ftp url', { url: 'ftp://127.0.0.1/x' }],
      ['a url with credentials', { url: 'http://user:pw@127.0.0.1/x' }],
      ['a url with empty credentials', { url: 'http://:@127.0.0.1/x' }],
      ['a url with a fragment', { url: 'http://127.0.0.1/x#frag' }],
      ['a url with a space', { url: 'http://127.0.0.1/a b' }],
      ['a relative url', { url: '/hook' }],
      ['a url without host', { url: 'http://' }],
      ['a javascript: url', { url: 'javascript:alert(1)' }],
      ['a file: url', { url: 'file:///etc/passwd' }],
      ['a 2049-character url', { url: `http://127.0.0.1/${'a'.repeat(2049 - 'http://127.0.0.1/'.length)}` }],
      ['an empty projects list', { projects: [] }],
      ['a malformed project', { projects: ['BAD'] }],
      ['a repeated project', { projects: ['p1', 'p1'] }],
      ['51 projects', { projects: Array.from({ length: 51 }, (_v, i) => `p${i}`) }],
      ['projects as a string', { projects: 'p1' }],
      ['an unknown event type', { eventTypes: ['job.nope'] }],
      ['eventTypes as a string', { eventTypes: 'job.created' }],
      ['a repeated event type', { eventTypes: ['job.created', 'job.created'] }],
      ['a 501-character description', { description: 'd'.repeat(501) }],
      ['a numeric description', { description: 1 }],
      ['enabled "yes"', { enabled: 'yes' }],
    ];

    it.each(BAD)('with %s', async (what, patch) => {
      await h.refused(`create with ${what}`, create, validRequest(h, create, { body: JSON.stringify({ ...validBody(create) as object, ...patch }) }), 400, 'validation_failed');
      await h.refused(`update with ${what}`, update, validRequest(h, update, { body: JSON.stringify(patch) }), 400, 'validation_failed');
    });

    it('an update naming nothing to change, or rotateSecret not a boolean, is refused', async () => {
      for (const body of [{}, { rotateSecret: 'yes' }, { rotateSecret: 1 }, { secret: 'mine' }, { id: 'other' }, { tenant: TENANT_B }]) {
        await h.refused(`update with ${JSON.stringify(body)}`, update, validRequest(h, update, { body: JSON.stringify(body) }), 400, 'validation_failed');
      }
      await h.refused('create without url', create, validRequest(h, create, { body: '{"enabled":false}' }), 400, 'validation_failed');
    });
  });
}
