// Unit tests of the dashboard's pure browser modules (public/lib/*.js, plain ES modules with JSDoc
// types, compiled for Jest like any source). The root tsconfig does not read .js files, so each
// module's surface is declared here; tsconfig.browser.json type-checks the modules themselves.
import * as path from 'node:path';
import { EVENT_TYPES, JOB_STATUSES, TERMINAL_STATUSES } from '@orch/contracts';

interface Principal {
  subject: string;
  tenants: string[];
  scopes: string[];
  expiresAt: number | null;
}
interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  traceId?: string;
  retryAfterSeconds?: number;
  errors?: { path: string; message: string }[];
}
interface TokenLib {
  cleanToken(raw: string): string;
  decodeJwtPayload(token: string): Record<string, unknown>;
  principalFromClaims(claims: Record<string, unknown>): Principal;
  takeFragmentToken(hash: string): { token: string | null; rest: string };
  isExpired(p: Principal, now: number): boolean;
  TokenFormatError: new (message: string) => Error;
}
interface ProblemLib {
  parseRetryAfter(value: string | null | undefined, now: number): number | undefined;
  problemFromResponse(res: { status: number; statusText?: string; contentType?: string | null; body: string; retryAfter?: string | null }, now?: number): Problem;
  networkProblem(err: unknown): Problem;
  describeProblem(p: Problem): string;
}
interface ApiLib {
  createApi(opts: { baseUrl: string; token: string; tenant?: string; fetchImpl?: typeof fetch; onUnauthorized?: (p: Problem) => void }): {
    get(path: string, query?: Record<string, string | number | undefined>): Promise<unknown>;
    post(path: string, opts?: { headers?: Record<string, string>; body?: unknown }): Promise<unknown>;
  };
  ApiError: new (p: Problem) => Error & { problem: Problem };
  newIdempotencyKey(): string;
}
interface RoutesLib {
  parseRoute(hash: string): { name: string; id?: string; query: Record<string, string> };
  routeHash(name: string, opts?: { id?: string; query?: Record<string, string | undefined> }): string;
  queryString(params: Record<string, string | number | undefined | null>): string;
  streamUrl(eventsUrl: string, path: string, params: Record<string, string | undefined>, pageHref: string): string;
  apiBaseUrl(pageHref: string): string;
}
interface FormatLib {
  formatDuration(ms: number): string;
  formatRelative(iso: string | null | undefined, now: number): string;
  shortId(id: string): string;
  compactJson(value: unknown, max?: number): string;
}
interface ConstantsLib {
  JOB_STATUSES: readonly string[];
  TERMINAL_STATUSES: readonly string[];
  EVENT_TYPES: readonly string[];
}

const load = <T>(name: string): Promise<T> => import(path.join(__dirname, 'public', 'lib', name)) as Promise<T>;

/** An unsigned JWT-shaped string with this payload (signatures are the API's business). */
function jwt(payload: unknown): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part(payload)}.c2ln`;
}

describe('dashboard token handling', () => {
  let t: TokenLib;
  beforeAll(async () => {
    t = await load<TokenLib>('token.js');
  });

  it('shows what the API reads from a token: subject, tenants, Orch scopes and expiry', () => {
    const token = jwt({ sub: 'ops-ann', tenant: 'acme', tenants: ['acme', 'beta'], scope: 'orch:read openid', scp: ['orch:operate'], exp: 1_900_000_000, name: 'Ann Ü' });
    expect(t.principalFromClaims(t.decodeJwtPayload(token))).toEqual({
      subject: 'ops-ann',
      tenants: ['acme', 'beta'],
      scopes: ['orch:read', 'orch:operate'],
      expiresAt: 1_900_000_000_000,
    });
  });

  it('decodes UTF-8 payloads', () => {
    expect(t.decodeJwtPayload(jwt({ sub: 'zoë', note: '日本' }))).toEqual({ sub: 'zoë', note: '日本' });
  });

  it.each([['not-a-token'], ['a.b'], ['a.%%%.c'], [`x.${Buffer.from('[1]').toString('base64url')}.y`], [`x.${Buffer.from('{oops').toString('base64url')}.y`]])(
    'refuses %p as a JWT with a message',
    (bad) => {
      expect(() => t.decodeJwtPayload(bad)).toThrow(/not a JWT/);
    },
  );

  it('accepts a pasted Authorization header and stray white space', () => {
    expect(t.cleanToken('  Bearer abc.def\n.ghi ')).toBe('abc.def.ghi');
  });

  it('takes the token out of the URL fragment and keeps the rest of it', () => {
    expect(t.takeFragmentToken('#token=abc.def.ghi')).toEqual({ token: 'abc.def.ghi', rest: '' });
    expect(t.takeFragmentToken('#/jobs&token=a%2Eb.c')).toEqual({ token: 'a.b.c', rest: '/jobs' });
    expect(t.takeFragmentToken('#/jobs?status=queued')).toEqual({ token: null, rest: '/jobs?status=queued' });
    expect(t.takeFragmentToken('')).toEqual({ token: null, rest: '' });
  });

  it('knows an expired token from a live one', () => {
    const p = { subject: 's', tenants: ['t'], scopes: [], expiresAt: 1_000 };
    expect(t.isExpired(p, 999)).toBe(false);
    expect(t.isExpired(p, 1_000)).toBe(true);
    expect(t.isExpired({ ...p, expiresAt: null }, 1e15)).toBe(false);
  });
});

describe('dashboard problem rendering', () => {
  let p: ProblemLib;
  beforeAll(async () => {
    p = await load<ProblemLib>('problem.js');
  });

  it('reads title, detail, code, trace id and field errors from problem+json', () => {
    const body = JSON.stringify({ type: 'x', title: 'Bad Request', status: 400, detail: 'invalid list query: status must be one of …', code: 'validation_failed', traceId: 'abc', errors: [{ path: 'status', message: 'status must be one of …' }] });
    expect(p.problemFromResponse({ status: 400, statusText: 'Bad Request', contentType: 'application/problem+json; charset=utf-8', body })).toEqual({
      status: 400,
      title: 'Bad Request',
      detail: 'invalid list query: status must be one of …',
      code: 'validation_failed',
      traceId: 'abc',
      errors: [{ path: 'status', message: 'status must be one of …' }],
    });
  });

  it('carries Retry-After of a 429 into the problem and the sentence', () => {
    const body = JSON.stringify({ title: 'Too Many Requests', status: 429, detail: 'tenant demo is over its API rate limit', code: 'rate_limited' });
    const problem = p.problemFromResponse({ status: 429, contentType: 'application/problem+json', body, retryAfter: '3' });
    expect(problem.retryAfterSeconds).toBe(3);
    expect(p.describeProblem(problem)).toBe('Too Many Requests (429 rate_limited): tenant demo is over its API rate limit. Retry after 3 s.');
  });

  it('reads Retry-After as an HTTP date too', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(p.parseRetryAfter('Mon, 23 Nov 2026 10:00:07 GMT', now)).toBe(7);
    expect(p.parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('turns a non-JSON error page into a problem named after the status', () => {
    expect(p.problemFromResponse({ status: 502, statusText: 'Bad Gateway', contentType: 'text/html', body: '<html>…</html>' })).toEqual({
      status: 502,
      title: 'Bad Gateway',
      detail: '',
      code: 'http_502',
    });
    expect(p.describeProblem(p.networkProblem(new TypeError('Failed to fetch')))).toBe('No answer from the API (network_error): Failed to fetch');
  });
});

describe('dashboard API client', () => {
  let api: ApiLib;
  beforeAll(async () => {
    api = await load<ApiLib>('api.js');
  });

  it('sends the bearer token and the chosen tenant, and returns the JSON body', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    const client = api.createApi({ baseUrl: 'http://h:8080/api/v1/', token: 'tok', tenant: 'beta', fetchImpl });
    await expect(client.get('jobs', { status: 'queued', jobType: undefined })).resolves.toEqual({ items: [] });
    expect(calls[0].url).toBe('http://h:8080/api/v1/jobs?status=queued');
    expect(calls[0].init.headers).toMatchObject({ Authorization: 'Bearer tok', 'X-Orch-Tenant': 'beta' });
  });

  it('throws the problem of an error answer and reports a 401 before throwing', async () => {
    const fetchImpl = (async () =>
      new Response(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'token expired', code: 'unauthorized' }), {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
      })) as unknown as typeof fetch;
    const seen: Problem[] = [];
    const client = api.createApi({ baseUrl: 'http://h/api/v1/', token: 't', fetchImpl, onUnauthorized: (pr) => seen.push(pr) });
    const err = await client.post('jobs/x/cancel', { headers: { 'X-Orch-Reason': 'r' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(api.ApiError);
    expect((err as { problem: Problem }).problem).toMatchObject({ status: 401, code: 'unauthorized', detail: 'token expired' });
    expect(seen).toHaveLength(1);
  });

  it('makes a fresh idempotency key each time', () => {
    const a = api.newIdempotencyKey();
    expect(a).toMatch(/^dashboard-[0-9a-f]{32}$/);
    expect(api.newIdempotencyKey()).not.toBe(a);
  });
});

describe('dashboard routes and URLs', () => {
  let r: RoutesLib;
  beforeAll(async () => {
    r = await load<RoutesLib>('routes.js');
  });

  it('reads views, job ids and filters from the hash', () => {
    const id = '0191e1b4-93f2-7c3a-8a51-0d2f6b8e1c44';
    expect(r.parseRoute('')).toEqual({ name: 'overview', query: {} });
    expect(r.parseRoute('#/jobs?status=queued&project=')).toEqual({ name: 'jobs', query: { status: 'queued' } });
    expect(r.parseRoute(`#/jobs/${id.toUpperCase()}`)).toEqual({ name: 'job', id, query: {} });
    expect(r.parseRoute('#/jobs/not-an-id')).toEqual({ name: 'not-found', query: {} });
    expect(r.parseRoute('#/audit?targetId=x')).toEqual({ name: 'audit', query: { targetId: 'x' } });
  });

  it('builds hashes that parse back to the same route', () => {
    const hash = r.routeHash('jobs', { query: { status: 'running', jobType: 'demo.echo', project: '' } });
    expect(hash).toBe('#/jobs?status=running&jobType=demo.echo');
    expect(r.parseRoute(hash)).toEqual({ name: 'jobs', query: { status: 'running', jobType: 'demo.echo' } });
  });

  it('puts the token in the stream URL and resolves the event-notifier base', () => {
    const page = 'http://127.0.0.1:8080/dashboard/#/live';
    expect(r.streamUrl('http://127.0.0.1:8085', 'api/v1/events/stream', { access_token: 'a.b.c', tenant: undefined }, page)).toBe(
      'http://127.0.0.1:8085/api/v1/events/stream?access_token=a.b.c',
    );
    expect(r.streamUrl('', 'api/v1/events/stream', { access_token: 't' }, page)).toBe('http://127.0.0.1:8080/api/v1/events/stream?access_token=t');
    expect(r.streamUrl('/orch/', 'api/v1/events/stream', {}, page)).toBe('http://127.0.0.1:8080/orch/api/v1/events/stream');
  });

  it('finds the API next to the dashboard, behind a path prefix too', () => {
    expect(r.apiBaseUrl('http://127.0.0.1:8080/dashboard/#token=x')).toBe('http://127.0.0.1:8080/api/v1/');
    expect(r.apiBaseUrl('https://ops.example/orch/dashboard/')).toBe('https://ops.example/orch/api/v1/');
  });
});

describe('dashboard formatting', () => {
  let f: FormatLib;
  beforeAll(async () => {
    f = await load<FormatLib>('format.js');
  });

  it('writes durations and relative times for people', () => {
    expect([850, 1_500, 12_500, 184_000, 7_500_000].map((ms) => f.formatDuration(ms))).toEqual(['850 ms', '1.5 s', '13 s', '3 min 4 s', '2 h 5 min']);
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(f.formatRelative('2026-11-23T10:00:12Z', now)).toBe('in 12 s');
    expect(f.formatRelative('2026-11-23T09:59:58Z', now)).toBe('2.0 s ago');
    expect(f.formatRelative(null, now)).toBe('—');
  });

  it('shortens ids keeping their random end, and cuts long JSON', () => {
    expect(f.shortId('0191e1b4-93f2-7c3a-8a51-0d2f6b8e1c44')).toBe('0191e1b4…8e1c44');
    expect(f.compactJson({ a: 'x'.repeat(50) }, 20)).toHaveLength(20);
  });
});

describe('dashboard constants', () => {
  it('match the contracts (job states, terminal states, event types)', async () => {
    const c = await load<ConstantsLib>('constants.js');
    expect(c.JOB_STATUSES).toEqual(JOB_STATUSES);
    expect([...c.TERMINAL_STATUSES].sort()).toEqual([...TERMINAL_STATUSES].sort());
    expect(c.EVENT_TYPES).toEqual(EVENT_TYPES);
  });
});
