import type { OpenAPIObject } from '@nestjs/swagger';
import { finishOpenApiDocument, toOpenApi31Schemas, type DocumentedRoute } from './openapi-document';
import type { JsonObject } from './openapi-walk';

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

function docWith(paths: Record<string, Record<string, unknown>>, schemas: JsonObject = {}): OpenAPIObject {
  return { openapi: '3.1.0', info: { title: 't', version: '1.0', contact: {} }, paths, components: { schemas } } as unknown as OpenAPIObject;
}

function op(doc: OpenAPIObject, method: string, path: string): JsonObject {
  return (doc.paths as unknown as Record<string, Record<string, JsonObject>>)[path][method];
}

describe('finishOpenApiDocument', () => {
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } };
  const read: DocumentedRoute['access'] = { public: false, scopes: ['orch:read'], queryToken: false };

  it('states a secured route\'s scopes as bearer security and x-orch-scopes, with the tenant header and 400/401/403/429 problems', () => {
    const doc = finishOpenApiDocument(docWith({ '/jobs': { get: { responses: structuredClone(ok) } } }), [{ method: 'get', path: '/jobs', access: read }], { rateLimited: true });
    const get = op(doc, 'get', '/jobs');
    expect(get['security']).toEqual([{ bearer: ['orch:read'] }]);
    expect(get['x-orch-scopes']).toEqual(['orch:read']);
    expect(get['parameters']).toEqual([ref('parameters', 'XOrchTenant')]);
    expect(Object.keys(get['responses'] as JsonObject).sort()).toEqual(['200', '400', '401', '403', '429', 'default']);
    const responses = get['responses'] as Record<string, JsonObject>;
    expect(Object.keys(responses['200']['headers'] as JsonObject)).toEqual(['X-Orch-Api-Version', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']);
    expect(Object.keys(responses['429']['headers'] as JsonObject)).toEqual(['X-Orch-Api-Version', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After']);
    expect(Object.keys(responses['401']['headers'] as JsonObject)).toEqual(['X-Orch-Api-Version', 'WWW-Authenticate']);
    expect((responses['403']['content'] as JsonObject)['application/problem+json']).toMatchObject({ schema: ref('schemas', 'Problem') });
  });

  it('adds no rate-limit answers or headers to an app that does not limit', () => {
    const doc = finishOpenApiDocument(docWith({ '/jobs': { get: { responses: structuredClone(ok) } } }), [{ method: 'get', path: '/jobs', access: read }], { rateLimited: false });
    const responses = op(doc, 'get', '/jobs')['responses'] as Record<string, JsonObject>;
    expect(responses['429']).toBeUndefined();
    expect(Object.keys(responses['200']['headers'] as JsonObject)).toEqual(['X-Orch-Api-Version']);
  });

  it('marks a public route with empty security and only the default problem', () => {
    const doc = finishOpenApiDocument(docWith({ '/doc': { get: { responses: structuredClone(ok) } } }), [{ method: 'get', path: '/doc', access: { public: true } }], { rateLimited: true });
    const get = op(doc, 'get', '/doc');
    expect({ security: get['security'], public: get['x-orch-public'], responses: Object.keys(get['responses'] as JsonObject) }).toEqual({ security: [], public: true, responses: ['200', 'default'] });
    expect(Object.keys((get['responses'] as Record<string, JsonObject>)['200']['headers'] as JsonObject)).toEqual(['X-Orch-Api-Version']);
  });

  it('adds Idempotency-Key to a POST, the operator headers to an operator action and the query tenant to a stream, once', () => {
    const routes: DocumentedRoute[] = [
      { method: 'post', path: '/jobs/{id}/cancel', access: { public: false, scopes: ['orch:operate'], queryToken: false, operator: { ticket: 'required' } } },
      { method: 'get', path: '/stream', access: { public: false, scopes: ['orch:read'], queryToken: true } },
    ];
    const doc = finishOpenApiDocument(
      docWith({
        '/jobs/{id}/cancel': { post: { parameters: [{ name: 'X-Orch-Tenant', in: 'header', schema: { type: 'string' } }], responses: structuredClone(ok) } },
        '/stream': { get: { responses: structuredClone(ok) } },
      }),
      routes,
      { rateLimited: false },
    );
    expect(op(doc, 'post', '/jobs/{id}/cancel')['parameters']).toEqual([
      { name: 'X-Orch-Tenant', in: 'header', schema: { type: 'string' } },
      ref('parameters', 'XOrchReason'),
      ref('parameters', 'XOrchTicketRequired'),
      ref('parameters', 'IdempotencyKey'),
    ]);
    const stream = op(doc, 'get', '/stream');
    expect(stream['parameters']).toEqual([ref('parameters', 'XOrchTenant'), ref('parameters', 'TenantQuery')]);
    expect(stream['security']).toEqual([{ bearer: ['orch:read'] }, { accessToken: ['orch:read'] }]);
  });

  it('keeps an error response the route documented itself, and leaves a 101 without the version header', () => {
    const own = { description: 'Mine', content: { 'application/problem+json': { schema: ref('schemas', 'Problem'), examples: {} } } };
    const doc = finishOpenApiDocument(
      docWith({ '/ws': { get: { responses: { '101': { description: 'Switching' }, '400': structuredClone(own) } } } }),
      [{ method: 'get', path: '/ws', access: read }],
      { rateLimited: false },
    );
    const responses = op(doc, 'get', '/ws')['responses'] as Record<string, JsonObject>;
    expect(responses['400']['description']).toBe('Mine');
    expect(responses['101']['headers']).toEqual({});
  });

  it('leaves operations of routes it was not told about alone, and drops an empty contact', () => {
    const doc = finishOpenApiDocument(docWith({ '/x': { get: { responses: structuredClone(ok) } } }), [], { rateLimited: true });
    expect(op(doc, 'get', '/x')['security']).toBeUndefined();
    expect((doc.info as unknown as JsonObject)['contact']).toBeUndefined();
  });
});

describe('toOpenApi31Schemas', () => {
  const convert = (schema: JsonObject): JsonObject => {
    const doc = { components: { schemas: { S: schema } } } as JsonObject;
    toOpenApi31Schemas(doc);
    return ((doc['components'] as JsonObject)['schemas'] as JsonObject)['S'] as JsonObject;
  };

  it('turns a nullable type into a type list with null, enums included', () => {
    expect(convert({ type: 'string', nullable: true, enum: ['a'] })).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(convert({ type: ['integer'], nullable: true })).toEqual({ type: ['integer', 'null'] });
  });

  it('wraps a nullable reference or composition in anyOf with null, keeping its description outside', () => {
    expect(convert({ $ref: '#/components/schemas/Job', nullable: true, description: 'd' })).toEqual({ description: 'd', anyOf: [{ $ref: '#/components/schemas/Job' }, { type: 'null' }] });
    expect(convert({ type: 'object', allOf: [{ $ref: '#/x' }], nullable: true })).toEqual({ anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }] });
  });

  it('drops nullable: false and converts nested schemas too', () => {
    expect(convert({ type: 'object', nullable: false, properties: { a: { type: 'array', items: { type: 'number', nullable: true } } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'array', items: { type: ['number', 'null'] } } },
    });
  });

  it('converts schemas of parameters and media types as well as components', () => {
    const doc = { paths: { '/x': { get: { parameters: [{ name: 'a', in: 'query', schema: { type: 'string', nullable: true } }] } } } } as JsonObject;
    toOpenApi31Schemas(doc);
    expect(JSON.stringify(doc)).toContain('"type":["string","null"]');
  });
});
