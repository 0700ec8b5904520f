/**
 * fast-check arbitraries of bad input. Each generates only values the
 * receiving side must refuse (checked against the same patterns and limits the
 * services use), so any acceptance is a finding, never a flaky generator.
 */
import { EVENT_TYPES, ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, webhookUrlProblem } from '@orch/contracts';
import fc, { Arbitrary } from 'fast-check';

/** One field set to a wrong value (`undefined`: the field left out), and the statuses that may answer it. */
export interface FieldCorruption {
  field: string;
  value: unknown;
  status: readonly number[];
}

const BAD = [400] as const;

/** Small JSON values of every kind but strings. */
export const notAString: Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Like {@link notAString} without null: an optional field set to null counts as absent (valid). */
export const notAStringNorNull: Arbitrary<unknown> = notAString.filter((v) => v !== null);

/** Strings of any script (well-formed UTF-16), empty included. */
export const anyText = (maxLength = 80): Arbitrary<string> => fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }));

/** Strings that do not match `pattern`, long ones included. */
export const notMatching = (pattern: RegExp, longer = 200): Arbitrary<string> =>
  fc.oneof(anyText(), fc.string({ minLength: longer, maxLength: longer + 50 }).map((s) => `A${s}`)).filter((s) => !pattern.test(s));

/** Numbers that are not integers in [min, max], and non-numbers. */
export const notAnIntIn = (min: number, max: number): Arbitrary<unknown> =>
  fc.oneof(
    fc.integer({ min: max + 1 }),
    fc.integer({ max: min - 1 }),
    fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  );

/** Strings that cannot be ISO 8601 dates (no leading digit or sign), and non-strings. */
export const notAnInstant: Arbitrary<unknown> = fc.oneof(anyText(30).filter((s) => !/^[\d+-]/.test(s)), notAStringNorNull);

/** A member name the class does not declare (prototype-polluting names included). */
export const unknownKey = (known: readonly string[]): Arbitrary<string> =>
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'Tenant', 'payload ', 'id'), fc.string({ minLength: 1, maxLength: 30 })).filter((k) => !known.includes(k));

const field = (name: string, value: Arbitrary<unknown>, status: readonly number[] = BAD): Arbitrary<FieldCorruption> => value.map((v) => ({ field: name, value: v, status }));
const missing = (name: string): Arbitrary<FieldCorruption> => fc.constant({ field: name, value: undefined, status: BAD });
const unknown = (known: readonly string[]): Arbitrary<FieldCorruption> =>
  fc.tuple(unknownKey(known), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ field: k, value: v, status: BAD }));

const JOB_FIELDS = ['tenant', 'project', 'jobType', 'payload', 'priority', 'maxAttempts', 'runAt'];

/** One wrong field of a job submission (`POST /api/v1/jobs`, or an item of a batch). */
export const jobCorruption: Arbitrary<FieldCorruption> = fc.oneof(
  field('project', fc.oneof(notAString, notMatching(ID_TOKEN_PATTERN, 64))),
  field('jobType', fc.oneof(notAString, notMatching(JOB_TYPE_PATTERN, 129))),
  field('payload', fc.oneof(fc.constant(null), fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }))),
  field('priority', notAnIntIn(0, 9)),
  field('maxAttempts', notAnIntIn(1, 100)),
  field('runAt', notAnInstant),
  field('tenant', fc.oneof(notAStringNorNull, notMatching(ID_TOKEN_PATTERN, 64))),
  // A well-formed tenant that is not the caller's: the tenant comes from the token (403).
  field('tenant', fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/).filter((t) => t !== 'bi-a'), [403]),
  missing('project'),
  missing('jobType'),
  missing('payload'),
  unknown(JOB_FIELDS),
);

const WEBHOOK_FIELDS = ['url', 'projects', 'eventTypes', 'description', 'enabled'];

/** A value `webhookUrlProblem` refuses. */
const badUrl: Arbitrary<unknown> = fc.oneof(
  notAStringNorNull,
  anyText(60).filter((s) => webhookUrlProblem(s) !== undefined),
  fc.webUrl({ withFragments: true, withQueryParameters: true }).map((u) => `${u}#frag`),
  fc.webUrl().map((u) => u.replace(/^https?:\/\//, 'ftp://')),
  fc.webUrl().map((u) => u.replace(/^(https?:\/\/)/, '$1user:pw@')),
).filter((v) => typeof v !== 'string' || webhookUrlProblem(v) !== undefined);

/** One wrong field of a webhook (create, or update when `update`). */
export const webhookCorruption = (update: boolean): Arbitrary<FieldCorruption> =>
  fc.oneof(
    field('url', badUrl),
    field(
      'projects',
      fc.oneof(
        notAStringNorNull.filter((v) => !Array.isArray(v)),
        fc.string({ maxLength: 5 }),
        fc.constant([]),
        fc.array(notMatching(ID_TOKEN_PATTERN, 64), { minLength: 1, maxLength: 3 }),
        fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).map((p) => [p, p]),
        fc.constant(Array.from({ length: 51 }, (_v, i) => `p${i}`)),
      ),
    ),
    field(
      'eventTypes',
      fc.oneof(
        notAStringNorNull.filter((v) => !Array.isArray(v)),
        fc.array(anyText(20).filter((t) => !(EVENT_TYPES as readonly string[]).includes(t)), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...EVENT_TYPES).map((t) => [t, t]),
      ),
    ),
    field('description', fc.oneof(notAStringNorNull, fc.string({ minLength: 501, maxLength: 600 }))),
    field('enabled', fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.boolean(), { maxKeys: 1 }))),
    ...(update ? [field('rotateSecret', fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 2 })))] : [missing('url')]),
    unknown([...WEBHOOK_FIELDS, ...(update ? ['rotateSecret'] : [])]),
  );

/** `base` with one field changed as `c` says (`undefined` removes it). */
export function corrupt(base: Record<string, unknown>, c: FieldCorruption): string {
  if (c.field === '__proto__') {
    // JSON.stringify cannot write an own __proto__ member: splice it in as text.
    return `{"__proto__":${JSON.stringify(c.value) ?? 'null'},${JSON.stringify(base).slice(1)}`;
  }
  const copy: Record<string, unknown> = { ...base };
  if (c.value === undefined) delete copy[c.field];
  else Object.defineProperty(copy, c.field, { value: c.value, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(copy);
}

/** Bearer credentials that are not tokens of this installation. */
export const garbageToken: Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.base64String({ maxLength: 40 }))
    .map(([h, p, s]) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.${s.replace(/=+$/, '')}`),
);

/** `X-Orch-Reason` values an operator action refuses: too long, blank, or not printable ASCII. */
export const badReason: Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 257, maxLength: 400 }).filter((s) => s.trim().length > 256),
  fc.stringMatching(/^[ \t]{0,8}$/),
  fc
    .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), fc.integer({ min: 0x80, max: 0xff }), fc.string({ unit: 'grapheme-ascii', maxLength: 20 }))
    .map(([a, c, b]) => `x${a}${String.fromCharCode(c)}${b}`),
);
