import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { classValidatorSchemas } from './class-schemas';
import { componentRef } from './openapi-components';

/** A schema, or a reference to one. */
export type SchemaOrRef = SchemaObject | ReferenceObject;

/**
 * One schema per field of the interface `T`, no more, no fewer: a field added
 * to (or removed from) the interface without updating its schema is a compile
 * error, so hand-written schemas of response interfaces cannot drift silently.
 */
export type SchemaProperties<T> = { [K in keyof Required<T>]: SchemaOrRef };

/** `{ $ref: '#/components/schemas/<name>' }`. */
export function schemaRef(name: string): ReferenceObject {
  return componentRef('schemas', name);
}

/** `schema` or null (JSON Schema 2020-12: a `null` type, not 3.0's `nullable`). */
export function orNull(schema: SchemaOrRef): SchemaObject {
  if ('$ref' in schema || typeof schema.type !== 'string') return { anyOf: [schema, { type: 'null' }] };
  const { type, ...rest } = schema;
  return { ...rest, type: [type, 'null'] } as unknown as SchemaObject;
}

/**
 * An object schema of the interface `T`: every field is required (present in
 * every answer, possibly null) unless listed in `optional`. Open to additions
 * (no `additionalProperties: false`): a new response field is an additive,
 * minor-version change that clients must tolerate.
 */
export function objectSchema<T>(spec: { description?: string; properties: SchemaProperties<T>; optional?: readonly (keyof T & string)[] }): SchemaObject {
  const optional = new Set<string>(spec.optional ?? []);
  return {
    type: 'object',
    ...(spec.description ? { description: spec.description } : {}),
    required: Object.keys(spec.properties).filter((k) => !optional.has(k)),
    properties: spec.properties as Record<string, SchemaOrRef>,
  };
}

/**
 * A response type that is a validated class plus fields the server adds (a log
 * line and its stream `seq`): the class's generated schema (see
 * {@link classValidatorSchemas}) with `extra` added, open to additions like
 * every response schema. References inside the class's schema still name
 * their classes; list those in the document's request classes.
 */
export function classSchemaWith<Base, T extends Base>(
  cls: new () => Base,
  extra: { description?: string; properties: SchemaProperties<Omit<T, keyof Base>>; optional?: readonly (Exclude<keyof T, keyof Base> & string)[] },
): SchemaObject {
  const base = classValidatorSchemas({ classes: [cls] })[cls.name] as SchemaObject & { additionalProperties?: unknown };
  const { additionalProperties: _closed, ...open } = base;
  const optional = new Set<string>(extra.optional ?? []);
  return {
    ...open,
    ...(extra.description ? { description: extra.description } : {}),
    required: [...(open.required ?? []), ...Object.keys(extra.properties).filter((k) => !optional.has(k))],
    properties: { ...open.properties, ...(extra.properties as Record<string, SchemaOrRef>) },
  };
}

/** A page of a cursor-paginated list: `items` and `next_page_token` (null on the last page). */
export function pageSchema(item: SchemaOrRef, description: string): SchemaObject {
  return objectSchema<{ items: unknown; next_page_token: unknown }>({
    description,
    properties: {
      items: { type: 'array', items: item },
      next_page_token: {
        type: ['string', 'null'],
        description: 'Send it back as `page_token` for the next page; null on the last page. Opaque.',
      } as unknown as SchemaObject,
    },
  });
}
