import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import { ORCH_API_VERSION } from '../http/api-version';
import { classValidatorSchemas, mergeSchemas, type ClassSchemaOptions, type SchemaConverters } from './class-schemas';
import { listHttpRoutes, type HttpMethod } from './http-routes';
import {
  componentRef,
  OpenApiRefs,
  orchOpenApiComponents,
  problemContent,
  problemExample,
  PROBLEM_STATUS_DEFAULTS,
  X_ORCH_PUBLIC,
  X_ORCH_SCOPES,
} from './openapi-components';
import { forEachSchemaRoot, forEachSubschema, isObject, type JsonObject } from './openapi-walk';
import { publicOnlyRouteAccess, type RouteAccess, type RouteAccessResolver } from './route-access';

/** The OpenAPI version Orch documents are written in. */
export const OPENAPI_VERSION = '3.1.0';

/** What {@link buildOpenApiDocument} needs besides the app. */
export interface OpenApiOptions {
  title: string;
  /** `info.version`: the API version (`X-Orch-Api-Version`), default {@link ORCH_API_VERSION}. */
  version?: string;
  description: string;
  servers?: { url: string; description?: string }[];
  /** Tag descriptions, in display order. */
  tags?: { name: string; description: string }[];
  /** Reads each route's access (public, scopes, query token, operator action); see {@link metadataRouteAccess}. */
  access?: RouteAccessResolver;
  /** The app limits authenticated requests per tenant: document 429 and `X-RateLimit-*`. */
  rateLimited?: boolean;
  /**
   * Request body classes (class-validator): their schemas are generated from the
   * validation decorators ({@link classValidatorSchemas}) into `components.schemas`
   * under the class name; reference them as `{ $ref: '#/components/schemas/<Class>' }`.
   */
  requestClasses?: ClassSchemaOptions['classes'];
  /** Schemas of the custom constraints of {@link requestClasses} (`ValidateBy` names). */
  schemaConverters?: SchemaConverters;
  /** Hand-written schemas of response types that are interfaces (no decorators to generate them from). */
  schemas?: Record<string, SchemaObject>;
}

/** A route's place in the document with its access. */
export interface DocumentedRoute {
  method: HttpMethod;
  path: string;
  access: RouteAccess | undefined;
}

/**
 * Builds the app's OpenAPI 3.1 document from its controllers' decorators
 * (`@nestjs/swagger`) and the schemas of `options` (request classes generated
 * from their validation decorators, hand-written response schemas), then adds
 * what every Orch operation shares so no route has to repeat it: security and
 * `x-orch-scopes` from the auth metadata, the tenant, idempotency and operator
 * headers, problem+json error responses (401/403/400 for authenticated routes,
 * 429 when rate limited, `default`), and the response headers every answer of
 * that kind carries (`X-Orch-Api-Version`, `X-RateLimit-*`, `Retry-After`,
 * `WWW-Authenticate`). Headers only some routes send (`Location`,
 * `Idempotent-Replayed`) are the route's to declare. Call after the app is
 * created, before it listens (`bootstrapService`'s `configure`).
 */
export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const version = options.version ?? ORCH_API_VERSION;
  const builder = new DocumentBuilder().setOpenAPIVersion(OPENAPI_VERSION).setTitle(options.title).setDescription(options.description).setVersion(version);
  for (const s of options.servers ?? []) builder.addServer(s.url, s.description);
  for (const t of options.tags ?? []) builder.addTag(t.name, t.description);
  const config = builder.build();
  config.components = orchOpenApiComponents(version);
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${method}`,
    autoTagControllers: false,
  });
  const components = (doc.components ??= {}) as unknown as JsonObject;
  if (options.requestClasses?.length) mergeSchemas(components, classValidatorSchemas({ classes: options.requestClasses, converters: options.schemaConverters }));
  mergeSchemas(components, options.schemas ?? {});
  const access = options.access ?? publicOnlyRouteAccess;
  const routes = listHttpRoutes(app).map((r) => ({ method: r.method, path: r.path, access: access(r) }));
  return finishOpenApiDocument(doc, routes, { rateLimited: options.rateLimited ?? false });
}

/**
 * The pure part of {@link buildOpenApiDocument}: 3.1 schemas, then the shared
 * parts of each documented operation of `routes`. Mutates and returns `doc`.
 */
export function finishOpenApiDocument(doc: OpenAPIObject, routes: readonly DocumentedRoute[], opts: { rateLimited: boolean }): OpenAPIObject {
  toOpenApi31Schemas(doc as unknown as JsonObject);
  const paths = doc.paths as unknown as Record<string, JsonObject | undefined>;
  for (const route of routes) {
    const op = paths[route.path]?.[route.method];
    if (isObject(op)) decorateOperation(op, route, opts.rateLimited);
  }
  const info = doc.info as unknown as JsonObject;
  // DocumentBuilder leaves an empty contact object; 3.1 tools accept it, but it says nothing.
  if (isObject(info['contact']) && Object.keys(info['contact']).length === 0) delete info['contact'];
  return doc;
}

/**
 * `nullable: true` is OpenAPI 3.0; 3.1 schemas are JSON Schema 2020-12, where
 * null is a type. `@nestjs/swagger` emits `nullable`, so it is rewritten here:
 * `{type: 'string', nullable: true}` → `{type: ['string', 'null']}`, and a
 * nullable reference or composition → `anyOf: [<it>, {type: 'null'}]`.
 */
export function toOpenApi31Schemas(doc: JsonObject): void {
  forEachSchemaRoot(doc, (root) =>
    forEachSubschema(root, (s) => {
      if (!('nullable' in s)) return;
      const nullable = s['nullable'] === true;
      delete s['nullable'];
      if (!nullable) return;
      const composed = '$ref' in s || 'allOf' in s || 'oneOf' in s || 'anyOf' in s;
      if (!composed && typeof s['type'] === 'string') {
        s['type'] = [s['type'], 'null'];
        if (Array.isArray(s['enum']) && !s['enum'].includes(null)) s['enum'] = [...(s['enum'] as unknown[]), null];
        return;
      }
      if (!composed && Array.isArray(s['type'])) {
        if (!s['type'].includes('null')) s['type'] = [...(s['type'] as string[]), 'null'];
        return;
      }
      const { description, ...inner } = s;
      // swagger adds `type: object` beside `allOf` of a nullable nested class; the reference says it already.
      if ('allOf' in inner && inner['type'] === 'object') delete inner['type'];
      for (const k of Object.keys(s)) delete s[k];
      if (description !== undefined) s['description'] = description;
      s['anyOf'] = [inner, { type: 'null' }];
    }),
  );
}

const H = OpenApiRefs.headers;
const P = OpenApiRefs.parameters;

function decorateOperation(op: JsonObject, route: DocumentedRoute, rateLimited: boolean): void {
  const params = (Array.isArray(op['parameters']) ? op['parameters'] : []) as JsonObject[];
  op['parameters'] = params;
  const responses = (isObject(op['responses']) ? op['responses'] : {}) as Record<string, JsonObject>;
  op['responses'] = responses;
  const access = route.access;
  const secured = access !== undefined && !access.public;
  const addParam = (name: string, inWhere: string, ref: string) => {
    const present = params.some((p) => p['$ref'] === `#/components/parameters/${ref}` || (String(p['name']).toLowerCase() === name.toLowerCase() && p['in'] === inWhere));
    if (!present) params.push(componentRef('parameters', ref) as unknown as JsonObject);
  };

  if (access?.public) {
    op['security'] = [];
    op[X_ORCH_PUBLIC] = true;
  } else if (access) {
    const scopes = [...access.scopes];
    op['security'] = [{ [OpenApiRefs.securitySchemes.bearer]: scopes }, ...(access.queryToken ? [{ [OpenApiRefs.securitySchemes.accessToken]: scopes }] : [])];
    op[X_ORCH_SCOPES] = scopes;
    addParam('X-Orch-Tenant', 'header', P.tenant);
    if (access.queryToken) addParam('tenant', 'query', P.tenantQuery);
    if (access.operator) {
      addParam('X-Orch-Reason', 'header', P.reason);
      addParam('X-Orch-Ticket', 'header', access.operator.ticket === 'required' ? P.ticketRequired : P.ticket);
    }
    for (const status of [400, 401, 403, ...(rateLimited ? [429] : [])]) responses[String(status)] ??= defaultProblemResponse(status);
  }
  if (route.method === 'post') addParam(H.idempotencyKey, 'header', P.idempotencyKey);
  responses['default'] ??= {
    description: 'Any other error (500 `internal`, 503 `unavailable`, …), always as problem+json.',
    content: problemContent({ internal: { summary: 'Unexpected error', value: problemExample(PROBLEM_STATUS_DEFAULTS[500].example) } }),
  };

  for (const [status, response] of Object.entries(responses)) {
    if (!isObject(response) || '$ref' in response) continue;
    const headers = (isObject(response['headers']) ? response['headers'] : {}) as JsonObject;
    response['headers'] = headers;
    const add = (name: string) => {
      if (!Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase())) headers[name] = componentRef('headers', name);
    };
    const success = /^2/.test(status);
    // A 101 is written by the WebSocket library once the socket has left HTTP, without the app's headers.
    if (!/^1/.test(status)) add(H.apiVersion);
    if (rateLimited && secured && (success || status === '429')) [H.rateLimitLimit, H.rateLimitRemaining, H.rateLimitReset].forEach(add);
    if (status === '429' || status === '503') add(H.retryAfter);
    if (status === '401' || (status === '403' && secured)) add(H.wwwAuthenticate);
    if ((status === 'default' || /^[45]/.test(status)) && !isObject(response['content'])) {
      response['content'] = problemContent(defaultProblemExamples(Number(status)));
    }
  }
}

function defaultProblemExamples(status: number): Record<string, { summary: string; value: Record<string, unknown> }> {
  const d = PROBLEM_STATUS_DEFAULTS[status] ?? PROBLEM_STATUS_DEFAULTS[500];
  return { [d.example.code]: { summary: d.example.code, value: problemExample(d.example) } };
}

function defaultProblemResponse(status: number): JsonObject {
  return { description: PROBLEM_STATUS_DEFAULTS[status]?.description ?? 'Error', content: problemContent(defaultProblemExamples(status)) };
}
