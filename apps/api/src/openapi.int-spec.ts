import { get as httpGet } from 'node:http';
import { ALLOW_QUERY_TOKEN, OPERATOR_ACTION, PUBLIC_ROUTE, REQUIRED_SCOPES } from '@orch/auth';
import type { JobView } from '@orch/contracts';
import { checkOpenApiDocument, compareRoutes, HttpRoute, listHttpRoutes, parseEnv, routeKey, RunningService } from '@orch/service-kit';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TestAuth, TestDatabase, TestNamespace, TEST_NATS_URL, UNLIMITED_API_RATE } from '@orch/testing';
import { ApiConfig } from './config';
import { startApi } from './start-api';

/** Routes served on purpose outside the document: the dashboard SPA and the probes. */
const EXCLUDED = ['GET /dashboard', 'GET /dashboard/config.json', 'GET /dashboard/*path', 'GET /healthz', 'GET /readyz'];

type Json = Record<string, unknown>;
type Operation = { operationId: string; parameters?: Json[]; responses: Record<string, { headers?: Json; content?: Json }>; security?: unknown[]; [k: string]: unknown };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { parameters: Record<string, Json> } };

/** The scopes the auth guard enforces on a route, read from its metadata here rather than through the document builder. */
function guardScopes(route: HttpRoute): string[] | 'public' {
  if (Reflect.getMetadata(PUBLIC_ROUTE, route.handler) || Reflect.getMetadata(PUBLIC_ROUTE, route.controller)) return 'public';
  const lists = [route.handler, route.controller].map((t) => Reflect.getMetadata(REQUIRED_SCOPES, t) as string[] | undefined).filter((l) => l !== undefined);
  return [...new Set(lists.flat())];
}

/** Header parameter names of an operation, references resolved, lower-cased. */
function headerParams(doc: Doc, op: Operation): string[] {
  return (op.parameters ?? [])
    .map((p) => (typeof p['$ref'] === 'string' ? doc.components.parameters[String(p['$ref']).split('/').pop()!] : p))
    .filter((p) => p['in'] === 'header')
    .map((p) => String(p['name']).toLowerCase());
}

describe('api OpenAPI document (api in-process, ledger-writer as a process, real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let auth: TestAuth;
  let ledgerWriter: ServiceProcess;
  let api: RunningService;
  let doc: Doc;
  let routes: HttpRoute[];

  const operation = (method: string, path: string): Operation => {
    const op = doc.paths[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the served document`);
    return op;
  };
  /** Fails unless the document lists this answer's status for the operation, with the answer's media type. */
  const expectDocumented = (op: Operation, res: Response): void => {
    const documented = op.responses[String(res.status)] ?? (res.status >= 400 ? op.responses['default'] : undefined);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0];
    expect({ operationId: op.operationId, status: res.status, mediaTypes: Object.keys(documented?.content ?? {}) }).toEqual({
      operationId: op.operationId,
      status: res.status,
      mediaTypes: expect.arrayContaining([mediaType]),
    });
  };
  const submit = async (body: unknown, key: string, token: Record<string, string>) =>
    fetch(`${api.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': key, ...token }, body: JSON.stringify(body) });

  beforeAll(async () => {
    db = await createTestDatabase('orch_api_openapi');
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    const env = { ...auth.env, DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: ns.names.namespace };
    // It owns and migrates the ledger schema the api reads.
    ledgerWriter = await startService('ledger-writer', env);
    const rate = String(UNLIMITED_API_RATE);
    api = await startApi(parseEnv(ApiConfig, { ...env, HTTP_PORT: '0', LOG_LEVEL: 'error', API_RATE_LIMIT_RPS: rate, API_RATE_LIMIT_BURST: rate }), { handleSignals: false });
    routes = listHttpRoutes(api.app);
    const res = await fetch(`${api.url}/.well-known/openapi`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  }, 120_000);

  afterAll(async () => {
    await api?.shutdown('test done');
    await ledgerWriter?.stop();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  }, 60_000);

  it('serves the document without a token, cacheable, with the API version header', async () => {
    const res = await fetch(`${api.url}/.well-known/openapi`);
    expect({ status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), version: res.headers.get('x-orch-api-version') }).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      cache: 'public, max-age=300',
      version: '1.0',
    });
    expect(doc.openapi).toBe('3.1.0');
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, which bypasses freshness.
    const etag = res.headers.get('etag') ?? 'none';
    const again = await new Promise<number | undefined>((resolve, reject) =>
      httpGet(`${api.url}/.well-known/openapi`, { headers: { 'If-None-Match': etag } }, (r) => resolve(r.resume().statusCode)).on('error', reject),
    );
    expect(again).toBe(304);
  });

  it('passes the structural and Orch convention checks', () => {
    expect(checkOpenApiDocument(doc)).toEqual([]);
  });

  it('documents exactly the routes the app serves, apart from the dashboard and the probes', () => {
    expect(compareRoutes(doc, routes, EXCLUDED)).toEqual({ undocumented: [], unimplemented: [], staleExclusions: [] });
  });

  it('would report a served route missing from the document', () => {
    const extra = { method: 'get' as const, path: '/api/v1/jobs/{id}/secret' };
    expect(compareRoutes(doc, [...routes, extra], EXCLUDED).undocumented).toEqual(['GET /api/v1/jobs/{id}/secret']);
  });

  it('documents on every operation the scopes the auth guard enforces, and the operator and query-token headers it reads', () => {
    const documented = routes.filter((r) => !EXCLUDED.includes(routeKey(r.method, r.path)));
    expect(documented.length).toBeGreaterThan(15);
    for (const route of documented) {
      const op = operation(route.method, route.path);
      const scopes = guardScopes(route);
      const headers = headerParams(doc, op);
      expect({ route: routeKey(route.method, route.path), scopes: op['x-orch-scopes'] ?? 'public', security: op.security }).toEqual({
        route: routeKey(route.method, route.path),
        scopes,
        security: scopes === 'public' ? [] : expect.arrayContaining([{ bearer: scopes }]),
      });
      const operator = [route.handler, route.controller].some((t) => Reflect.getMetadata(OPERATOR_ACTION, t) !== undefined);
      expect({ route: routeKey(route.method, route.path), reason: headers.includes('x-orch-reason') }).toEqual({ route: routeKey(route.method, route.path), reason: operator });
      const queryToken = [route.handler, route.controller].some((t) => Reflect.getMetadata(ALLOW_QUERY_TOKEN, t) === true);
      expect({ route: routeKey(route.method, route.path), queryToken: (op.security ?? []).some((s) => JSON.stringify(s).includes('accessToken')) }).toEqual({
        route: routeKey(route.method, route.path),
        queryToken,
      });
    }
  });

  it('documents the Idempotency-Key header on every POST', () => {
    const posts = Object.entries(doc.paths).flatMap(([path, item]) => (item['post'] ? [[path, item['post']] as const] : []));
    expect(posts.length).toBeGreaterThanOrEqual(4);
    for (const [path, op] of posts) expect({ path, idempotencyKey: headerParams(doc, op).includes('idempotency-key') }).toEqual({ path, idempotencyKey: true });
  });

  it('answers a reader token on an orch:operate route 403, as the document says', async () => {
    const op = operation('post', '/api/v1/jobs');
    expect(op['x-orch-scopes']).toEqual(['orch:operate']);
    const res = await submit({ project: 'p1', jobType: 'demo.echo', payload: {} }, 'reader-1', await auth.header({ tenant: 'acme', scopes: ['orch:read'] }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'forbidden', detail: 'this operation requires scope orch:operate' });
    expectDocumented(op, res);
  });

  it('behaves as the idempotency examples say: 201, then 200 with Idempotent-Replayed, then 409 for another body', async () => {
    const op = operation('post', '/api/v1/jobs');
    const operator = await auth.header({ tenant: 'acme', scopes: ['orch:read', 'orch:operate'] });
    const body = { project: 'p1', jobType: 'demo.echo', payload: { n: 1 } };
    const created = await submit(body, 'openapi-idem-1', operator);
    const replayed = await submit(body, 'openapi-idem-1', operator);
    const conflict = await submit({ ...body, payload: { n: 2 } }, 'openapi-idem-1', operator);
    expect([created.status, replayed.status, replayed.headers.get('idempotent-replayed'), conflict.status]).toEqual([201, 200, 'true', 409]);
    expect(((await conflict.json()) as { code: string }).code).toBe('idempotency_conflict');
    for (const res of [created, replayed, conflict]) expectDocumented(op, res);
    expect(Object.keys(op.responses['200'].headers ?? {})).toContain('Idempotent-Replayed');
    expect(Object.keys(op.responses['201'].headers ?? {})).toEqual(expect.arrayContaining(['Location', 'Idempotency-Key']));
  });

  it('pages the job list as the pagination examples say: page_size and page_token until next_page_token is null', async () => {
    const op = operation('get', '/api/v1/jobs');
    const params = (op.parameters ?? []).map((p) => p['name']);
    expect(params).toEqual(expect.arrayContaining(['page_size', 'page_token']));
    const operator = await auth.header({ tenant: 'pages', scopes: ['orch:read', 'orch:operate'] });
    for (const n of [1, 2, 3]) expect((await submit({ project: 'p1', jobType: 'demo.echo', payload: { n } }, `page-${n}`, operator)).status).toBe(201);
    const reader = await auth.header({ tenant: 'pages', scopes: ['orch:read'] });
    const first = await fetch(`${api.url}/api/v1/jobs?page_size=2`, { headers: reader });
    const page1 = (await first.json()) as { items: JobView[]; next_page_token: string | null };
    expect({ items: page1.items.length, token: typeof page1.next_page_token }).toEqual({ items: 2, token: 'string' });
    const second = await fetch(`${api.url}/api/v1/jobs?page_size=2&page_token=${page1.next_page_token}`, { headers: reader });
    const page2 = (await second.json()) as { items: JobView[]; next_page_token: string | null };
    expect({ items: page2.items.length, token: page2.next_page_token }).toEqual({ items: 1, token: null });
    for (const res of [first, second]) expectDocumented(op, res);
    const bad = await fetch(`${api.url}/api/v1/jobs?page_token=not-ours`, { headers: reader });
    expect(bad.status).toBe(400);
    expectDocumented(op, bad);
  });
});
