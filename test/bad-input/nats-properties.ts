/**
 * Generated worker requests (fast-check): arbitrary bytes and JSON, envelopes
 * with arbitrary data, one field of the envelope or the data wrong at a time,
 * and a live lease with any other fencing token, lease or job. Every run must
 * get an error envelope with a stable 4xx code and leave the ledger as it was.
 */
import { ARTIFACT_MIME_PATTERN, ARTIFACT_NAME_PATTERN, JOB_TYPE_PATTERN, PROJECT_OR_ANY_PATTERN, SHA256_HEX_PATTERN, WorkerVerb, WorkerVerbs } from '@orch/contracts';
import fc, { Arbitrary } from 'fast-check';
import { anyText, notAnInstant, notAnIntIn, notAString, notAStringNorNull, notMatching, unknownKey } from './arbitraries';
import type { BadInputHarness } from './harness';
import { RUNS } from './http-properties';
import { FENCED_VERBS, patched, validData } from './nats-worker';
import { TENANT_A } from './tokens';

/** Where a corruption goes: the envelope, the data, or a fail's error object. */
interface WorkerCorruption {
  where: 'envelope' | 'data' | 'error';
  field: string;
  value: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const at = (where: WorkerCorruption['where'], field: string, value: Arbitrary<unknown>): Arbitrary<WorkerCorruption> => value.map((v) => ({ where, field, value: v }));
const longString = (min: number) => fc.string({ minLength: min, maxLength: min + 40 });
/** Not a list of job types: strings, numbers, objects, or lists with a bad item. */
const badJobTypes: Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  fc.array(notMatching(JOB_TYPE_PATTERN, 129), { minLength: 1, maxLength: 3 }),
  fc.array(notAStringNorNull, { minLength: 1, maxLength: 3 }),
);

const ENVELOPE_FIELDS = ['v', 'id', 'type', 'ts', 'tenant', 'project', 'correlationId', 'causationId', 'jobType', 'taskRunnerId', 'data'];

const envelopeCorruption: Arbitrary<WorkerCorruption> = fc.oneof(
  at('envelope', 'v', fc.oneof(fc.integer().filter((n) => n !== 1), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }))),
  at('envelope', 'id', fc.oneof(notAString, longString(65))),
  at('envelope', 'type', fc.oneof(notAString, notMatching(/^[a-z][a-z0-9_.-]{0,63}$/, 64))),
  at('envelope', 'ts', notAnInstant),
  at('envelope', 'tenant', fc.oneof(notAString, anyText(70).filter((t) => t !== TENANT_A))),
  at('envelope', 'project', fc.oneof(notAString, notMatching(PROJECT_OR_ANY_PATTERN, 63))),
  at('envelope', 'correlationId', fc.oneof(notAString, longString(129))),
  at('envelope', 'causationId', fc.oneof(notAStringNorNull, longString(129))),
  at('envelope', 'jobType', fc.oneof(notAStringNorNull, notMatching(JOB_TYPE_PATTERN, 129))),
  at('envelope', 'taskRunnerId', fc.oneof(notAStringNorNull, longString(129))),
  at('envelope', 'data', fc.oneof(fc.constant(null), fc.string({ maxLength: 5 }), fc.integer(), fc.array(fc.integer(), { maxLength: 2 }))),
  fc.tuple(unknownKey(ENVELOPE_FIELDS), fc.jsonValue({ maxDepth: 1 })).map(([k, v]): WorkerCorruption => ({ where: 'envelope', field: k, value: v })),
);

const notAUuid: Arbitrary<unknown> = fc.oneof(notAString, anyText(40).filter((s) => !UUID.test(s)));
const badToken: Arbitrary<unknown> = fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: 1 }), { maxLength: 2 }));
const fenced: Arbitrary<WorkerCorruption>[] = [at('data', 'jobId', notAUuid), at('data', 'leaseId', notAUuid), at('data', 'fencingToken', badToken)];
const dataUnknown = (known: string[]) => fc.tuple(unknownKey(known), fc.jsonValue({ maxDepth: 1 })).map(([k, v]): WorkerCorruption => ({ where: 'data', field: k, value: v }));
const FENCED_FIELDS = ['jobId', 'leaseId', 'fencingToken'];

/** One wrong field of `verb`'s data (or of a fail's error). */
function dataCorruption(verb: WorkerVerb): Arbitrary<WorkerCorruption> {
  switch (verb) {
    case 'claim':
      return fc.oneof(
        at('data', 'workerId', fc.oneof(notAString, longString(129))),
        at('data', 'jobTypes', badJobTypes),
        at('data', 'max', notAnIntIn(1, 256)),
        at('data', 'waitMs', notAnIntIn(0, 30_000)),
        at('data', 'leaseMs', notAnIntIn(1_000, 3_600_000)),
        dataUnknown(['workerId', 'jobTypes', 'max', 'waitMs', 'leaseMs']),
      );
    case 'heartbeat':
      return fc.oneof(...fenced, at('data', 'leaseMs', notAnIntIn(1_000, 3_600_000)), dataUnknown([...FENCED_FIELDS, 'leaseMs']));
    case 'progress': {
      const finite = { noNaN: true, noDefaultInfinity: true } as const;
      const percent = fc.oneof(fc.double({ min: 100.0001, ...finite }), fc.double({ max: -0.0001, ...finite }), fc.string({ maxLength: 4 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 1 }));
      return fc.oneof(...fenced, at('data', 'percent', percent), at('data', 'message', fc.oneof(notAStringNorNull, longString(1025))), dataUnknown([...FENCED_FIELDS, 'percent', 'message']));
    }
    case 'complete':
      return fc.oneof(...fenced, dataUnknown([...FENCED_FIELDS, 'result']));
    case 'fail':
      return fc.oneof(
        ...fenced,
        at('data', 'error', fc.oneof(fc.constant(null), fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }))),
        at('error', 'code', fc.oneof(notAString, longString(129))),
        at('error', 'message', fc.oneof(notAString, longString(4097))),
        at('error', 'retryable', fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.array(fc.boolean(), { maxLength: 1 }))),
        at('error', 'retryAfterMs', notAnIntIn(0, 86_400_000)),
        fc.tuple(unknownKey(['code', 'message', 'retryable', 'retryAfterMs']), fc.jsonValue({ maxDepth: 1 })).map(([k, v]): WorkerCorruption => ({ where: 'error', field: k, value: v })),
        dataUnknown([...FENCED_FIELDS, 'error']),
      );
    case 'artifact':
      return fc.oneof(
        ...fenced,
        at('data', 'name', fc.oneof(notAString, notMatching(ARTIFACT_NAME_PATTERN, 256))),
        at('data', 'sha256', fc.oneof(notAString, notMatching(SHA256_HEX_PATTERN, 65))),
        at('data', 'size', notAnIntIn(0, 1024 * 1024 * 1024)),
        at('data', 'mime', fc.oneof(notAString, notMatching(ARTIFACT_MIME_PATTERN, 201))),
        dataUnknown([...FENCED_FIELDS, 'name', 'sha256', 'size', 'mime']),
      );
    default:
      return fc.oneof(...fenced, dataUnknown(FENCED_FIELDS));
  }
}

/** A set field, or a removed one for `undefined`; a `__proto__` field is spliced in as text (JSON.stringify cannot write one). */
function applied(base: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> | string {
  if (field === '__proto__') return `{"__proto__":${JSON.stringify(value) ?? 'null'},${JSON.stringify(base).slice(1)}`;
  return patched(base, { [field]: value });
}

export function describeWorkerProperties(h: BadInputHarness): void {
  const verbs = fc.constantFrom(...WorkerVerbs);

  /** The request text of `verb` with corruption `c` applied to tenant A's live lease's valid request. */
  function corrupted(verb: WorkerVerb, c: WorkerCorruption): string {
    const data = validData(verb, h.fx.a.running);
    const envelope = JSON.parse(h.envelope(TENANT_A, verb, {})) as Record<string, unknown>;
    if (c.where === 'envelope') {
      const env = applied({ ...envelope, data }, c.field, c.value);
      return typeof env === 'string' ? env : JSON.stringify(env);
    }
    let body: Record<string, unknown> | string;
    if (c.where === 'error') {
      const error = applied(data['error'] as Record<string, unknown>, c.field, c.value);
      body = typeof error === 'string' ? `${JSON.stringify({ ...data, error: 0 }).replace('"error":0', `"error":${error}`)}` : { ...data, error };
    } else {
      body = applied(data, c.field, c.value);
    }
    return typeof body === 'string' ? JSON.stringify({ ...envelope, data: 0 }).replace('"data":0', `"data":${body}`) : JSON.stringify({ ...envelope, data: body });
  }

  describe('generated worker requests (fast-check) get an error envelope and change nothing', () => {
    it('any bytes on any worker subject', async () => {
      await fc.assert(
        fc.asyncProperty(verbs, fc.uint8Array({ maxLength: 512 }), async (verb, bytes) => {
          await h.refusedWorker(`${bytes.length} generated bytes`, verb, h.workerSubject(TENANT_A, verb), bytes, ['decode_failed', 'validation_failed']);
        }),
        { numRuns: RUNS.medium },
      );
    });

    it('any JSON value as the message, or as the data of a valid envelope', async () => {
      await fc.assert(
        fc.asyncProperty(verbs, fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (verb, value, asData) => {
          const text = asData ? h.envelope(TENANT_A, verb, {}).replace('"data":{}', `"data":${JSON.stringify(value)}`) : JSON.stringify(value);
          await h.refusedWorker(`with ${asData ? 'data' : 'message'} ${text.slice(0, 80)}`, verb, h.workerSubject(TENANT_A, verb), text, ['decode_failed', 'validation_failed']);
        }),
        { numRuns: RUNS.large },
      );
    });

    it('a request with one field of its envelope, data or error wrong', async () => {
      const cases = verbs.chain((verb) => fc.oneof(envelopeCorruption, dataCorruption(verb)).map((c) => ({ verb, c })));
      await fc.assert(
        fc.asyncProperty(cases, async ({ verb, c }) => {
          await h.refusedWorker(`with ${c.where}.${c.field} = ${JSON.stringify(c.value)?.slice(0, 80)}`, verb, h.workerSubject(TENANT_A, verb), corrupted(verb, c), ['validation_failed']);
        }),
        { numRuns: RUNS.large * 2 },
      );
    });

    it("the live lease with any other fencing token, lease id or job is refused as stale or not found", async () => {
      const live = h.fx.a.running;
      const forged = fc.oneof(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }).filter((t) => t !== live.fencingToken).map((t) => ({ lease: { ...live, fencingToken: t }, codes: ['stale_lease'] })),
        fc.uuid().map((id) => ({ lease: { ...live, leaseId: id }, codes: ['stale_lease'] })),
        fc.uuid().map((id) => ({ lease: { ...live, jobId: id }, codes: ['not_found'] })),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...FENCED_VERBS), forged, async (verb, { lease, codes }) => {
          await h.refusedWorker(`with lease ${JSON.stringify(lease)}`, verb, h.workerSubject(TENANT_A, verb), h.envelope(TENANT_A, verb, validData(verb, lease)), codes);
        }),
        { numRuns: RUNS.medium },
      );
    });
  });
}
