import type { SchemaObject } from '@nestjs/swagger';
import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { IS_OPTIONAL, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { forEachSubschema, isObject, type JsonObject } from './openapi-walk';

// class-transformer ships no typings for this entry point; its `@Type(() => X)` metadata
// is what turns a nested array (`jobs: SubmitJobRequest[]`) into `items: {$ref: …/SubmitJobRequest}`.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage };

/** Where schemas generated here are referenced from. */
export const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** Custom class-validator constraints (`ValidateBy` names) → schema fragments; see class-validator-jsonschema. */
export type SchemaConverters = ISchemaConverters;

/** What {@link classValidatorSchemas} turns into schemas. */
export interface ClassSchemaOptions {
  /** Request classes validated with class-validator (`validatePlain`); each becomes a schema named after the class. */
  classes: readonly (abstract new (...args: never[]) => unknown)[];
  /** Schemas of custom constraints (`ValidateBy({ name })`), which the generator cannot see into. */
  converters?: SchemaConverters;
}

/**
 * JSON schemas of class-validator classes, generated from the same decorators
 * that validate requests (class-validator-jsonschema), so the document cannot
 * drift from what the server accepts: each listed class and every class it
 * references (`@ValidateNested` + `@Type`), keyed by class name.
 *
 * Two corrections make the schemas say what `validatePlain` does: a class
 * refuses unknown properties (`forbidNonWhitelisted`), so `additionalProperties:
 * false`; `@IsOptional()` lets `null` through like an absent field, so such a
 * property is nullable (`nullable: true` here, made a 3.1 null type by
 * `toOpenApi31Schemas`). A constraint no converter knows becomes the property's
 * TypeScript type, or nothing; the caller passes `converters` for those.
 *
 * @throws Error when a listed class has no validation metadata (it would be documented as an empty object).
 */
export function classValidatorSchemas(opts: ClassSchemaOptions): Record<string, SchemaObject> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: SCHEMA_REF_PREFIX,
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: {
      // IsOptional and ValidateIf share this type; only IsOptional skips validation for null.
      [ValidationTypes.CONDITIONAL_VALIDATION]: (meta) => (meta.name === IS_OPTIONAL ? { nullable: true } : {}),
      ...opts.converters,
    },
  }) as Record<string, JsonObject>;
  const picked: Record<string, SchemaObject> = {};
  const pending = opts.classes.map((c) => {
    if (!all[c.name]) throw new Error(`classValidatorSchemas: ${c.name} has no class-validator decorators`);
    return c.name;
  });
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (picked[name]) continue;
    const schema = structuredClone(all[name]);
    if (!schema) throw new Error(`classValidatorSchemas: a schema refers to ${name}, which has no class-validator decorators`);
    schema['additionalProperties'] = false;
    forEachSubschema(schema, (s) => {
      const ref = s['$ref'];
      if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF_PREFIX)) pending.push(ref.slice(SCHEMA_REF_PREFIX.length));
    });
    picked[name] = schema as SchemaObject;
  }
  return picked;
}

/**
 * Adds `schemas` to the document's `components.schemas`. A name already there
 * may only be a placeholder `@nestjs/swagger` made for a body class without
 * `@ApiProperty` (an object with no properties); anything else is a clash.
 *
 * @throws Error on a clash.
 */
export function mergeSchemas(components: JsonObject, schemas: Record<string, SchemaObject>): void {
  const target = (isObject(components['schemas']) ? components['schemas'] : {}) as JsonObject;
  components['schemas'] = target;
  for (const [name, schema] of Object.entries(schemas)) {
    const existing = target[name];
    if (existing !== undefined && !isPlaceholder(existing)) throw new Error(`OpenAPI schema ${name} is defined twice`);
    target[name] = schema as unknown as JsonObject;
  }
}

function isPlaceholder(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  const keys = Object.keys(schema).filter((k) => k !== 'type' && k !== 'properties');
  return keys.length === 0 && (schema['type'] ?? 'object') === 'object' && (!isObject(schema['properties']) || Object.keys(schema['properties']).length === 0);
}
