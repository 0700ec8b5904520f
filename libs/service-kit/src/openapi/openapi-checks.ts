import { PROBLEM_JSON } from '../http/problem-json.filter';
import { HTTP_METHODS, routeKey, type HttpRoute } from './http-routes';
import { OpenApiRefs, X_ORCH_PUBLIC, X_ORCH_SCOPES } from './openapi-components';
import { deref, forEachSchemaRoot, forEachSubschema, isObject, resolvePointer, walkDocument, type JsonObject } from './openapi-walk';

/** `METHOD /path` of every operation in a document, sorted. */
export function documentedRoutes(doc: unknown): string[] {
  const paths = isObject(doc) && isObject(doc['paths']) ? doc['paths'] : {};
  const keys: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) if (isObject(item[method])) keys.push(routeKey(method, path));
  }
  return keys.sort();
}

/** How a document and an app's routes disagree; all empty when they agree. */
export interface RouteAgreement {
  /** Implemented, not excluded, and missing from the document. */
  undocumented: string[];
  /** In the document, but no route serves them. */
  unimplemented: string[];
  /** Exclusions that no longer hold: the route is gone, or documented after all. */
  staleExclusions: string[];
}

/**
 * Compares the operations of `doc` with the routes an app serves. `excluded`
 * lists the routes deliberately left out of the document (`GET /healthz`), as
 * `METHOD /path`; each must still exist and still be left out, so the list
 * cannot rot.
 */
export function compareRoutes(doc: unknown, routes: readonly Pick<HttpRoute, 'method' | 'path'>[], excluded: readonly string[] = []): RouteAgreement {
  const documented = new Set(documentedRoutes(doc));
  const implemented = new Set(routes.map((r) => routeKey(r.method, r.path)));
  const skip = new Set(excluded);
  return {
    undocumented: [...implemented].filter((k) => !skip.has(k) && !documented.has(k)).sort(),
    unimplemented: [...documented].filter((k) => !implemented.has(k)).sort(),
    staleExclusions: [...skip].filter((k) => !implemented.has(k) || documented.has(k)).sort(),
  };
}

const STATUS_KEY = /^(default|[1-5](\d\d|XX))$/;
/** Explicit operation ids are lowerCamelCase; the generated fallback (`jobs_submit`) is not, on purpose. */
const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/;
const PARAMETER_LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);

/**
 * Structural checks of an OpenAPI 3.1 document (no validator for 3.1 is a
 * dependency here): required fields, unique operation ids, path parameters
 * declared both ways, every local `$ref` resolves, no 3.0 `nullable`; then
 * Orch's conventions on every operation: security with scopes (`x-orch-scopes`)
 * or explicitly public, `Idempotency-Key` on POSTs, at least one
 * problem+json error response using the shared schema, and
 * `X-Orch-Api-Version` on every (non-1xx) response; and that each operation
 * was described on purpose: an explicit lowerCamelCase `operationId`, a
 * `summary`, tags declared at the top level, and a success (2xx or 101) answer.
 *
 * @returns one sentence per problem; empty when the document passes.
 */
export function checkOpenApiDocument(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['the document is not a JSON object'];
  if (typeof doc['openapi'] !== 'string' || !/^3\.1\.\d+$/.test(doc['openapi'])) problems.push(`openapi must be 3.1.x (got ${JSON.stringify(doc['openapi'])})`);
  const info = doc['info'];
  if (!isObject(info) || typeof info['title'] !== 'string' || !info['title'] || typeof info['version'] !== 'string' || !info['version']) {
    problems.push('info.title and info.version are required strings');
  }
  if (!isObject(doc['paths'])) problems.push('paths is required');

  walkDocument(doc, (node, path) => {
    const ref = node['$ref'];
    if (ref === undefined) return;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) problems.push(`${path}: $ref ${JSON.stringify(ref)} is not a local reference`);
    else if (resolvePointer(doc, ref) === undefined) problems.push(`${path}: $ref ${ref} does not resolve`);
  });
  forEachSchemaRoot(doc, (root, path) =>
    forEachSubschema(root, (s) => {
      if ('nullable' in s) problems.push(`${path}: "nullable" is OpenAPI 3.0; use type [..., "null"]`);
      if (typeof s['exclusiveMinimum'] === 'boolean' || typeof s['exclusiveMaximum'] === 'boolean') problems.push(`${path}: boolean exclusiveMinimum/Maximum is OpenAPI 3.0`);
    }),
  );
  const declaredTags = new Set((Array.isArray(doc['tags']) ? doc['tags'] : []).filter(isObject).map((t) => String(t['name'])));
  const schemes = isObject(doc['components']) && isObject((doc['components'] as JsonObject)['securitySchemes']) ? ((doc['components'] as JsonObject)['securitySchemes'] as JsonObject) : {};

  const operationIds = new Map<string, string>();
  for (const [path, item] of Object.entries(isObject(doc['paths']) ? doc['paths'] : {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} must start with /`);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const where = routeKey(method, path);
      checkOperation(doc, op, where, method, path, [...(Array.isArray(item['parameters']) ? item['parameters'] : [])], schemes, problems);
      checkDescribed(op, where, declaredTags, problems);
      const id = op['operationId'];
      if (typeof id === 'string') {
        if (operationIds.has(id)) problems.push(`${where}: operationId ${id} is also used by ${operationIds.get(id)}`);
        operationIds.set(id, where);
      }
    }
  }
  return problems;
}

function checkOperation(
  doc: JsonObject,
  op: JsonObject,
  where: string,
  method: string,
  path: string,
  pathItemParams: unknown[],
  schemes: JsonObject,
  problems: string[],
): void {
  const params = [...pathItemParams, ...(Array.isArray(op['parameters']) ? op['parameters'] : [])].map((p) => deref(doc, p)).filter(isObject);
  for (const p of params) {
    if (typeof p['name'] !== 'string' || !PARAMETER_LOCATIONS.has(String(p['in']))) problems.push(`${where}: parameter ${JSON.stringify(p['name'])} needs a name and a valid "in"`);
    if (!isObject(p['schema']) && !isObject(p['content'])) problems.push(`${where}: parameter ${String(p['name'])} needs a schema`);
    if (p['in'] === 'path' && p['required'] !== true) problems.push(`${where}: path parameter ${String(p['name'])} must be required`);
  }
  const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const declared = params.filter((p) => p['in'] === 'path').map((p) => String(p['name']));
  for (const name of templated) if (!declared.includes(name)) problems.push(`${where}: path parameter {${name}} is not declared`);
  for (const name of declared) if (!templated.includes(name)) problems.push(`${where}: path parameter ${name} is not in the path`);

  // Security: explicitly public, or bearer with the route's scopes.
  const security = op['security'];
  if (!Array.isArray(security)) problems.push(`${where}: no security declared (neither scopes nor public)`);
  else if (security.length === 0) {
    if (op[X_ORCH_PUBLIC] !== true) problems.push(`${where}: security is empty but the operation is not marked ${X_ORCH_PUBLIC}`);
  } else {
    const scopes = op[X_ORCH_SCOPES];
    if (!Array.isArray(scopes) || scopes.length === 0) problems.push(`${where}: ${X_ORCH_SCOPES} must list the required scopes`);
    for (const requirement of security) {
      if (!isObject(requirement)) continue;
      for (const [scheme, list] of Object.entries(requirement)) {
        if (!(scheme in schemes)) problems.push(`${where}: security scheme ${scheme} is not defined`);
        if (JSON.stringify(list) !== JSON.stringify(scopes)) problems.push(`${where}: scopes of ${scheme} differ from ${X_ORCH_SCOPES}`);
      }
    }
  }

  if (method === 'post' && !params.some((p) => p['in'] === 'header' && String(p['name']).toLowerCase() === 'idempotency-key')) {
    problems.push(`${where}: a POST must document the Idempotency-Key header`);
  }

  const responses = isObject(op['responses']) ? op['responses'] : {};
  if (Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
  let problemResponses = 0;
  for (const [status, raw] of Object.entries(responses)) {
    if (!STATUS_KEY.test(status)) problems.push(`${where}: response key ${status} is not a status code`);
    const response = deref(doc, raw);
    if (!isObject(response)) continue;
    if (typeof response['description'] !== 'string') problems.push(`${where} ${status}: a response needs a description`);
    if (/^1/.test(status)) continue;
    const headers = isObject(response['headers']) ? response['headers'] : {};
    if (!Object.keys(headers).some((h) => h.toLowerCase() === OpenApiRefs.headers.apiVersion.toLowerCase())) {
      problems.push(`${where} ${status}: ${OpenApiRefs.headers.apiVersion} header not documented`);
    }
    const content = isObject(response['content']) ? response['content'] : {};
    const problem = content[PROBLEM_JSON];
    if (status === 'default' || /^[45]/.test(status)) {
      if (isObject(problem) && isObject(problem['schema']) && problem['schema']['$ref'] === `#/components/schemas/${OpenApiRefs.schemas.problem}`) problemResponses += 1;
      else problems.push(`${where} ${status}: an error response must be ${PROBLEM_JSON} with the shared ${OpenApiRefs.schemas.problem} schema`);
    }
  }
  if (problemResponses === 0) problems.push(`${where}: no problem+json error response documented`);
}

function checkDescribed(op: JsonObject, where: string, declaredTags: ReadonlySet<string>, problems: string[]): void {
  const id = op['operationId'];
  if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
    problems.push(`${where}: operationId ${JSON.stringify(id)} is not an explicit lowerCamelCase id; set @ApiOperation({ operationId })`);
  }
  if (typeof op['summary'] !== 'string' || op['summary'].trim() === '') problems.push(`${where}: no summary`);
  const tags = Array.isArray(op['tags']) ? op['tags'] : [];
  if (tags.length === 0) problems.push(`${where}: no tags; set @ApiTags(...)`);
  for (const t of tags) if (!declaredTags.has(String(t))) problems.push(`${where}: tag ${String(t)} is not declared in the document's tags`);
  const responses = isObject(op['responses']) ? Object.keys(op['responses']) : [];
  if (!responses.some((s) => /^2/.test(s) || s === '101')) problems.push(`${where}: no success response (2xx, or 101 for a WebSocket)`);
}
