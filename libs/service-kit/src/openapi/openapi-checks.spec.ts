import type { OpenAPIObject } from '@nestjs/swagger';
import type { HttpMethod } from './http-routes';
import { checkOpenApiDocument, compareRoutes, documentedRoutes } from './openapi-checks';
import { orchOpenApiComponents } from './openapi-components';
import { finishOpenApiDocument, type DocumentedRoute } from './openapi-document';

type Json = Record<string, unknown>;

/** The object at `keys` inside `doc`, to change it in place. */
function at(doc: Json, ...keys: string[]): Json {
  return keys.reduce((node, k) => node[k] as Json, doc);
}

const ok = (description = 'OK') => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

/** A small document as @nestjs/swagger writes it, finished like setupOpenApi does: passes every check. */
function validDoc(): Json {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Test', version: '1.0' },
    tags: [{ name: 'jobs', description: 'Jobs' }],
    components: orchOpenApiComponents(),
    paths: {
      '/api/v1/jobs': {
        get: { operationId: 'listJobs', summary: 'List', tags: ['jobs'], responses: { '200': ok() } },
        post: { operationId: 'submitJob', summary: 'Submit', tags: ['jobs'], responses: { '201': ok('Created') } },
      },
      '/api/v1/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: 'Get',
          tags: ['jobs'],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': ok() },
        },
      },
      '/.well-known/openapi': { get: { operationId: 'getOpenApiDocument', summary: 'This document', tags: ['jobs'], responses: { '200': ok() } } },
    },
  } as unknown as OpenAPIObject;
  const read = { public: false as const, scopes: ['orch:read'], queryToken: false };
  const routes: DocumentedRoute[] = [
    { method: 'get', path: '/api/v1/jobs', access: read },
    { method: 'post', path: '/api/v1/jobs', access: { ...read, scopes: ['orch:operate'] } },
    { method: 'get', path: '/api/v1/jobs/{id}', access: read },
    { method: 'get', path: '/.well-known/openapi', access: { public: true } },
  ];
  return finishOpenApiDocument(doc, routes, { rateLimited: true }) as unknown as Json;
}

describe('compareRoutes', () => {
  const doc = validDoc();
  const served = documentedRoutes(doc).map((k) => {
    const [method, path] = k.split(' ');
    return { method: method.toLowerCase() as HttpMethod, path };
  });

  it('finds nothing when the document and the routes agree', () => {
    expect(compareRoutes(doc, served)).toEqual({ undocumented: [], unimplemented: [], staleExclusions: [] });
  });

  it('reports a served route the document does not have', () => {
    expect(compareRoutes(doc, [...served, { method: 'delete', path: '/api/v1/jobs/{id}' }]).undocumented).toEqual(['DELETE /api/v1/jobs/{id}']);
  });

  it('reports a documented operation no route serves', () => {
    expect(compareRoutes(doc, served.filter((r) => r.method !== 'post')).unimplemented).toEqual(['POST /api/v1/jobs']);
  });

  it('leaves an excluded route out, and reports exclusions that are gone or documented after all', () => {
    const withProbe = [...served, { method: 'get' as HttpMethod, path: '/healthz' }];
    expect(compareRoutes(doc, withProbe, ['GET /healthz'])).toEqual({ undocumented: [], unimplemented: [], staleExclusions: [] });
    expect(compareRoutes(doc, withProbe, ['GET /healthz', 'GET /readyz', 'GET /api/v1/jobs']).staleExclusions).toEqual(['GET /api/v1/jobs', 'GET /readyz']);
  });
});

describe('checkOpenApiDocument', () => {
  const problemsAfter = (mutate: (doc: Json) => void): string[] => {
    const doc = validDoc();
    mutate(doc);
    return checkOpenApiDocument(doc);
  };

  it('passes a finished document', () => {
    expect(checkOpenApiDocument(validDoc())).toEqual([]);
  });

  it('refuses what is not an OpenAPI 3.1 document', () => {
    expect(checkOpenApiDocument('nope')).toEqual(['the document is not a JSON object']);
    expect(problemsAfter((d) => (d['openapi'] = '3.0.3'))).toEqual(['openapi must be 3.1.x (got "3.0.3")']);
    expect(problemsAfter((d) => delete at(d, 'info')['version'])).toEqual(['info.title and info.version are required strings']);
  });

  it('finds references that do not resolve, and 3.0 nullable', () => {
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get', 'responses', '200', 'content', 'application/json')['schema'] = { $ref: '#/components/schemas/Nope' }))).toEqual([
      '/paths/~1api~1v1~1jobs/get/responses/200/content/application~1json/schema: $ref #/components/schemas/Nope does not resolve',
    ]);
    expect(problemsAfter((d) => (at(d, 'components', 'schemas')['Job'] = { type: 'object', properties: { a: { type: 'string', nullable: true } } }))).toEqual([
      '/components/schemas/Job: "nullable" is OpenAPI 3.0; use type [..., "null"]',
    ]);
  });

  it('finds path parameters that are not declared both ways', () => {
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs/{id}', 'get')['parameters'] = []))).toEqual(['GET /api/v1/jobs/{id}: path parameter {id} is not declared']);
  });

  it('requires security with the scopes on every operation, or an explicit public mark', () => {
    expect(problemsAfter((d) => delete at(d, 'paths', '/api/v1/jobs', 'get')['security'])).toEqual(['GET /api/v1/jobs: no security declared (neither scopes nor public)']);
    expect(problemsAfter((d) => delete at(d, 'paths', '/.well-known/openapi', 'get')['x-orch-public'])).toEqual([
      'GET /.well-known/openapi: security is empty but the operation is not marked x-orch-public',
    ]);
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get')['x-orch-scopes'] = ['orch:operate']))).toEqual(['GET /api/v1/jobs: scopes of bearer differ from x-orch-scopes']);
  });

  it('requires the Idempotency-Key header on a POST', () => {
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'post')['parameters'] = []))).toEqual(['POST /api/v1/jobs: a POST must document the Idempotency-Key header']);
  });

  it('requires problem+json with the shared schema for errors, and the API version header on every answer', () => {
    expect(
      problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get', 'responses')['404'] = { description: 'x', headers: { 'X-Orch-Api-Version': {} }, content: { 'application/json': {} } })),
    ).toEqual(['GET /api/v1/jobs 404: an error response must be application/problem+json with the shared Problem schema']);
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get', 'responses', '200')['headers'] = {}))).toEqual(['GET /api/v1/jobs 200: X-Orch-Api-Version header not documented']);
  });

  it('requires each operation to be described on purpose: explicit id, summary, declared tags, a success answer', () => {
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get')['operationId'] = 'jobs_list'))).toEqual([
      'GET /api/v1/jobs: operationId "jobs_list" is not an explicit lowerCamelCase id; set @ApiOperation({ operationId })',
    ]);
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs/{id}', 'get')['operationId'] = 'listJobs'))).toEqual(['GET /api/v1/jobs/{id}: operationId listJobs is also used by GET /api/v1/jobs']);
    expect(problemsAfter((d) => delete at(d, 'paths', '/api/v1/jobs', 'get')['summary'])).toEqual(['GET /api/v1/jobs: no summary']);
    expect(problemsAfter((d) => (at(d, 'paths', '/api/v1/jobs', 'get')['tags'] = ['admin']))).toEqual(['GET /api/v1/jobs: tag admin is not declared in the document\'s tags']);
    expect(problemsAfter((d) => delete at(d, 'paths', '/api/v1/jobs', 'get', 'responses')['200'])).toEqual(['GET /api/v1/jobs: no success response (2xx, or 101 for a WebSocket)']);
  });
});
