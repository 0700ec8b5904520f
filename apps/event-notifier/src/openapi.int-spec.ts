import { ALLOW_QUERY_TOKEN, PUBLIC_ROUTE, REQUIRED_SCOPES } from '@orch/auth';
import { checkOpenApiDocument, compareRoutes, HttpRoute, listHttpRoutes, parseEnv, routeKey, RunningService } from '@orch/service-kit';
import { createTestDatabase, createTestNamespace, TestAuth, TestDatabase, TestNamespace, TEST_NATS_URL } from '@orch/testing';
import { EventNotifierConfig } from './config';
import { startEventNotifier } from './start-event-notifier';

/** Routes served on purpose outside the document: the probes. */
const EXCLUDED = ['GET /healthz', 'GET /readyz'];

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown[]; [k: string]: unknown };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** What the auth guard enforces on a route, read from its metadata here rather than through the document builder. */
function guardAccess(route: HttpRoute): { scopes: string[] | 'public'; queryToken: boolean } {
  const targets = [route.handler, route.controller];
  if (targets.some((t) => Reflect.getMetadata(PUBLIC_ROUTE, t))) return { scopes: 'public', queryToken: false };
  const lists = targets.map((t) => Reflect.getMetadata(REQUIRED_SCOPES, t) as string[] | undefined).filter((l) => l !== undefined);
  return { scopes: [...new Set(lists.flat())], queryToken: targets.some((t) => Reflect.getMetadata(ALLOW_QUERY_TOKEN, t) === true) };
}

describe('event-notifier OpenAPI document (in-process, real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let auth: TestAuth;
  let notifier: RunningService;
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

  beforeAll(async () => {
    db = await createTestDatabase('orch_en_openapi');
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    const env = { ...auth.env, DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: ns.names.namespace, HTTP_PORT: '0', LOG_LEVEL: 'error' };
    notifier = await startEventNotifier(parseEnv(EventNotifierConfig, env), { handleSignals: false });
    routes = listHttpRoutes(notifier.app);
    const res = await fetch(`${notifier.url}/.well-known/openapi`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  }, 120_000);

  afterAll(async () => {
    await notifier?.shutdown('test done');
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  }, 60_000);

  it('serves the document without a token, with the API version header', async () => {
    const res = await fetch(`${notifier.url}/.well-known/openapi`);
    expect({ status: res.status, type: res.headers.get('content-type'), version: res.headers.get('x-orch-api-version') }).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      version: '1.0',
    });
    expect(doc.openapi).toBe('3.1.0');
  });

  it('passes the structural and Orch convention checks', () => {
    expect(checkOpenApiDocument(doc)).toEqual([]);
  });

  it('documents exactly the routes the app serves, apart from the probes (NATS handlers are not routes)', () => {
    expect(compareRoutes(doc, routes, EXCLUDED)).toEqual({ undocumented: [], unimplemented: [], staleExclusions: [] });
    expect(Object.keys(doc.paths).sort()).toEqual(['/.well-known/openapi', '/api/v1/events/stream', '/api/v1/events/ws', '/api/v1/jobs/{id}/logs/stream']);
  });

  it('would report a documented route the app no longer serves, and an exclusion that went stale', () => {
    const served = routes.filter((r) => r.path !== '/api/v1/events/ws');
    expect(compareRoutes(doc, served, [...EXCLUDED, 'GET /metrics'])).toEqual({ undocumented: [], unimplemented: ['GET /api/v1/events/ws'], staleExclusions: ['GET /metrics'] });
  });

  it('documents on every operation the scopes the auth guard enforces and whether it takes ?access_token=', () => {
    for (const route of routes.filter((r) => !EXCLUDED.includes(routeKey(r.method, r.path)))) {
      const op = operation(route.method, route.path);
      const { scopes, queryToken } = guardAccess(route);
      const where = routeKey(route.method, route.path);
      expect({ where, scopes: op['x-orch-scopes'] ?? 'public', accessToken: JSON.stringify(op.security ?? []).includes('accessToken') }).toEqual({ where, scopes, accessToken: queryToken });
    }
  });

  it('answers an orch:operate-only token 403 on the event stream, which needs orch:read as documented', async () => {
    const op = operation('get', '/api/v1/events/stream');
    expect(op['x-orch-scopes']).toEqual(['orch:read']);
    const res = await fetch(`${notifier.url}/api/v1/events/stream`, { headers: await auth.header({ tenant: 'acme', scopes: ['orch:operate'] }) });
    expect(res.status).toBe(403);
    expectDocumented(op, res);
  });

  it('opens the event stream with ?access_token= as text/event-stream, as the accessToken scheme says', async () => {
    const op = operation('get', '/api/v1/events/stream');
    const abort = new AbortController();
    const token = await auth.token({ tenant: 'acme', scopes: ['orch:read'] });
    const res = await fetch(`${notifier.url}/api/v1/events/stream?access_token=${token}`, { signal: abort.signal });
    try {
      expect({ status: res.status, version: res.headers.get('x-orch-api-version') }).toEqual({ status: 200, version: '1.0' });
      expectDocumented(op, res);
    } finally {
      abort.abort();
    }
  });

  it('answers a plain GET of the WebSocket route 400, as documented', async () => {
    const op = operation('get', '/api/v1/events/ws');
    const res = await fetch(`${notifier.url}/api/v1/events/ws`, { headers: await auth.header({ tenant: 'acme', scopes: ['orch:read'] }) });
    expect(res.status).toBe(400);
    expectDocumented(op, res);
    expect(Object.keys(op.responses)).toContain('101');
  });
});
