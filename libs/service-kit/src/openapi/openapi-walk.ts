/**
 * Walking an OpenAPI document as plain JSON. Example values are data, not
 * document structure, so walks skip them; names inside `properties` are field
 * names, so a field called `examples` is still walked as a schema.
 */

/** A JSON object of the document. */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys whose values map names to objects (fields, headers, status codes, media types…): no name in them is a keyword. */
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'schemas',
  'headers',
  'responses',
  'parameters',
  'securitySchemes',
  'paths',
  'content',
  'callbacks',
  'links',
  'requestBodies',
  'webhooks',
]);
/** Keys whose values are example data. */
const DATA_KEYS = new Set(['example', 'examples']);

/**
 * Calls `visit(node, path)` for every object in the document except example
 * data and foreign `x-` extensions, depth first (Orch's own `x-orch-*`
 * extensions hold schemas and references, so they are walked and checked too).
 * `path` is the JSON pointer of the node.
 */
export function walkDocument(root: unknown, visit: (node: JsonObject, path: string) => void): void {
  const walk = (node: unknown, path: string, inNameMap: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${path}/${i}`, false));
      return;
    }
    if (!isObject(node)) return;
    visit(node, path);
    for (const [key, value] of Object.entries(node)) {
      if (!inNameMap && (DATA_KEYS.has(key) || (key.startsWith('x-') && !key.startsWith('x-orch-')))) continue;
      walk(value, `${path}/${escapePointer(key)}`, !inNameMap && NAME_MAPS.has(key));
    }
  };
  walk(root, '', false);
}

/** Where the schemas of a document are: every `schema` of a parameter, header or media type, and `components.schemas`. */
export function forEachSchemaRoot(doc: JsonObject, fn: (schema: JsonObject, path: string) => void): void {
  walkDocument(doc, (node, path) => {
    if (isObject(node['schema'])) fn(node['schema'], `${path}/schema`);
  });
  const schemas = isObject(doc['components']) ? (doc['components'] as JsonObject)['schemas'] : undefined;
  if (isObject(schemas)) for (const [name, s] of Object.entries(schemas)) if (isObject(s)) fn(s, `/components/schemas/${escapePointer(name)}`);
}

/** Every subschema of `schema` (itself included), depth first. */
export function forEachSubschema(schema: JsonObject, fn: (s: JsonObject) => void): void {
  fn(schema);
  const children = (v: unknown): unknown[] => (Array.isArray(v) ? v : isObject(v) ? [v] : []);
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']) {
    for (const c of children(schema[key])) if (isObject(c)) forEachSubschema(c, fn);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
    for (const c of children(schema[key])) if (isObject(c)) forEachSubschema(c, fn);
  }
  for (const key of ['properties', 'patternProperties', '$defs']) {
    const map = schema[key];
    if (isObject(map)) for (const c of Object.values(map)) if (isObject(c)) forEachSubschema(c, fn);
  }
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The value at a local JSON pointer (`#/components/schemas/Problem`), or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const parts = ref.slice(1).split('/').slice(1).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(node)) node = node[Number(p)];
    else if (isObject(node)) node = node[p];
    else return undefined;
  }
  return node;
}

/** Follows `$ref` (chains included) to the object it names; non-references are returned as they are. */
export function deref(doc: unknown, node: unknown): unknown {
  let current = node;
  for (let hops = 0; hops < 16 && isObject(current) && typeof current['$ref'] === 'string'; hops++) {
    current = resolvePointer(doc, current['$ref']);
  }
  return current;
}
