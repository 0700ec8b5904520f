/**
 * Table-driven cases for every worker-facing subject `<ns>.worker.<tenant>.<verb>`:
 * bytes that are not JSON, envelopes with a wrong version or a bad field, data
 * with a missing or wrong-typed field, another tenant in the envelope than in
 * the subject, forged or stale leases and fencing tokens, and replays of a
 * completed job. Fenced calls carry tenant A's live lease, so a check that let
 * one through would move the ledger and fail the case.
 */
import { randomUUID } from 'node:crypto';
import { WorkerVerb, WorkerVerbs } from '@orch/contracts';
import { IDLE_TYPE, Lease } from './fixtures';
import type { BadInputHarness } from './harness';
import { nested } from './http-bodies';
import { TENANT_A, TENANT_B } from './tokens';

/** The fenced verbs: every call but claim names a job, a lease and a fencing token. */
export const FENCED_VERBS = WorkerVerbs.filter((v) => v !== 'claim') as Exclude<WorkerVerb, 'claim'>[];

/** Data each verb would accept for `lease` (claim: a claim of A's queued type). */
export function validData(verb: WorkerVerb, lease: Lease): Record<string, unknown> {
  switch (verb) {
    case 'claim':
      return { workerId: 'bad-input', jobTypes: [IDLE_TYPE], max: 8, waitMs: 0, leaseMs: 60_000 };
    case 'heartbeat':
      return { ...lease, leaseMs: 60_000 };
    case 'progress':
      return { ...lease, percent: 50, message: 'half way' };
    case 'complete':
      return { ...lease, result: { rows: 1 } };
    case 'fail':
      return { ...lease, error: { code: 'boom', message: 'failed', retryable: true } };
    case 'upstream':
      return { ...lease, status: 429, retryAfterMs: 1_000 };
    case 'artifact':
      return { ...lease, name: 'reports/bad-input.txt', sha256: 'a'.repeat(64), size: 3, mime: 'text/plain; charset=utf-8' };
    default:
      return { ...lease };
  }
}

/** Bytes that are not a JSON object. */
const NOT_AN_OBJECT: readonly string[] = ['', 'not json', '{', '{"v":1,', '\u0000\u0001', '<xml/>', 'null', '[]', '1', '"envelope"', 'true', '[{"v":1}]'];

/** Envelope fields set to values the envelope refuses (`undefined`: left out). */
const BAD_ENVELOPE: [string, Record<string, unknown>][] = [
  ['v 2', { v: 2 }],
  ['v 0', { v: 0 }],
  ['v "1"', { v: '1' }],
  ['no v', { v: undefined }],
  ['no id', { id: undefined }],
  ['a numeric id', { id: 1 }],
  ['a 65-character id', { id: 'i'.repeat(65) }],
  ['no type', { type: undefined }],
  ['an upper-case type', { type: 'Worker.Claim' }],
  ['an empty type', { type: '' }],
  ['no ts', { ts: undefined }],
  ['ts "yesterday"', { ts: 'yesterday' }],
  ['ts as epoch millis', { ts: 1_790_000_000_000 }],
  ['no tenant', { tenant: undefined }],
  ['an upper-case tenant', { tenant: 'BI-A' }],
  ['another tenant than the subject', { tenant: TENANT_B }],
  ['no project', { project: undefined }],
  ['an upper-case project', { project: 'P1' }],
  ['no correlationId', { correlationId: undefined }],
  ['a 129-character correlationId', { correlationId: 'c'.repeat(129) }],
  ['a numeric causationId', { causationId: 1 }],
  ['a jobType with ~', { jobType: 'a~b' }],
  ['a 129-character taskRunnerId', { taskRunnerId: 't'.repeat(129) }],
  ['no data', { data: undefined }],
  ['null data', { data: null }],
  ['array data', { data: [] }],
  ['string data', { data: 'x' }],
  ['an unknown field', { extra: true }],
];

/** Data fields of each verb set to values it refuses. */
const FENCED_BAD: [string, Record<string, unknown>][] = [
  ['no jobId', { jobId: undefined }],
  ['a jobId that is no uuid', { jobId: 'job-1' }],
  ['a numeric jobId', { jobId: 1 }],
  ['no leaseId', { leaseId: undefined }],
  ['a leaseId that is no uuid', { leaseId: 'lease' }],
  ['no fencingToken', { fencingToken: undefined }],
  ['fencingToken 0', { fencingToken: 0 }],
  ['fencingToken -1', { fencingToken: -1 }],
  ['fencingToken 1.5', { fencingToken: 1.5 }],
  ['fencingToken "1"', { fencingToken: '1' }],
  ['an unknown field', { extra: 1 }],
];

const VERB_BAD: Record<WorkerVerb, [string, Record<string, unknown>][]> = {
  claim: [
    ['no workerId', { workerId: undefined }],
    ['a numeric workerId', { workerId: 7 }],
    ['a 129-character workerId', { workerId: 'w'.repeat(129) }],
    ['no jobTypes', { jobTypes: undefined }],
    ['jobTypes a string', { jobTypes: IDLE_TYPE }],
    ['jobTypes an object', { jobTypes: { 0: IDLE_TYPE } }],
    ['a numeric job type', { jobTypes: [1] }],
    ['a job type with ~', { jobTypes: ['a~b'] }],
    ['a job type with a subject wildcard', { jobTypes: ['>'] }],
    ['an empty job type', { jobTypes: [''] }],
    ['max 0', { max: 0 }],
    ['max 257', { max: 257 }],
    ['max 1.5', { max: 1.5 }],
    ['max "1"', { max: '1' }],
    ['no max', { max: undefined }],
    ['waitMs -1', { waitMs: -1 }],
    ['waitMs 30001', { waitMs: 30_001 }],
    ['leaseMs 999', { leaseMs: 999 }],
    ['leaseMs 3600001', { leaseMs: 3_600_001 }],
    ['an unknown field', { extra: 1 }],
  ],
  start: FENCED_BAD,
  heartbeat: [...FENCED_BAD, ['leaseMs 999', { leaseMs: 999 }], ['leaseMs 3600001', { leaseMs: 3_600_001 }], ['leaseMs "x"', { leaseMs: 'x' }]],
  progress: [...FENCED_BAD, ['percent -1', { percent: -1 }], ['percent 101', { percent: 101 }], ['percent "50"', { percent: '50' }], ['a 1025-character message', { message: 'm'.repeat(1025) }], ['a numeric message', { message: 1 }]],
  complete: [
    ...FENCED_BAD,
    ['a result with a __proto__ key', { result: JSON.parse('{"__proto__":{"polluted":true}}') as unknown }],
    ['a result with a constructor key', { result: { constructor: { prototype: { polluted: true } } } }],
    ['a result with a toString key', { result: { toString: 'x' } }],
  ],
  fail: [
    ...FENCED_BAD,
    ['no error', { error: undefined }],
    ['a null error', { error: null }],
    ['an array error', { error: [] }],
    ['a string error', { error: 'boom' }],
    ['an empty error', { error: {} }],
    ['an error without message', { error: { code: 'x' } }],
    ['a numeric error code', { error: { code: 1, message: 'm' } }],
    ['a 129-character error code', { error: { code: 'c'.repeat(129), message: 'm' } }],
    ['a 4097-character error message', { error: { code: 'c', message: 'm'.repeat(4097) } }],
    ['retryable "yes"', { error: { code: 'c', message: 'm', retryable: 'yes' } }],
    ['retryAfterMs -1', { error: { code: 'c', message: 'm', retryAfterMs: -1 } }],
    ['retryAfterMs over a day', { error: { code: 'c', message: 'm', retryAfterMs: 86_400_001 } }],
    ['an unknown error field', { error: { code: 'c', message: 'm', stack: 'at x' } }],
  ],
  upstream: [
    ...FENCED_BAD,
    ['no status', { status: undefined }],
    ['status 99', { status: 99 }],
    ['status 600', { status: 600 }],
    ['status 429.5', { status: 429.5 }],
    ['status "429"', { status: '429' }],
    ['retryAfterMs -1', { retryAfterMs: -1 }],
    ['retryAfterMs over a day', { retryAfterMs: 86_400_001 }],
    ['retryAfterMs "60"', { retryAfterMs: '60' }],
  ],
  artifact: [
    ...FENCED_BAD,
    ['no name', { name: undefined }],
    ['an empty name', { name: '' }],
    ['a numeric name', { name: 7 }],
    ['a name stepping up with ..', { name: '../other-job/x' }],
    ['a name with a .. segment', { name: 'a/../../b' }],
    ['an absolute name', { name: '/etc/passwd' }],
    ['a name with an empty segment', { name: 'a//b' }],
    ['a name ending in /', { name: 'a/' }],
    ['a hidden name', { name: '.env' }],
    ['a name with a backslash', { name: 'a\\b' }],
    ['a name with a space', { name: 'a b.txt' }],
    ['a name with a NUL', { name: 'a\u0000b' }],
    ['a name with a line break', { name: 'a\r\nSet-Cookie: x' }],
    ['a 256-character name', { name: 'n'.repeat(256) }],
    ['no sha256', { sha256: undefined }],
    ['an upper-case sha256', { sha256: 'A'.repeat(64) }],
    ['a 63-digit sha256', { sha256: 'a'.repeat(63) }],
    ['a sha256 with a prefix', { sha256: `sha256:${'a'.repeat(64)}` }],
    ['no size', { size: undefined }],
    ['size -1', { size: -1 }],
    ['size 1.5', { size: 1.5 }],
    ['size "3"', { size: '3' }],
    ['size over 1 GiB', { size: 1024 * 1024 * 1024 + 1 }],
    ['no mime', { mime: undefined }],
    ['an upper-case mime', { mime: 'Text/Plain' }],
    ['a mime without subtype', { mime: 'text' }],
    ['a mime with a line break', { mime: 'text/plain\r\nX-Evil: 1' }],
    ['a mime with a quoted parameter', { mime: 'text/plain; charset="utf-8"' }],
    ['a 201-character mime', { mime: `text/${'p'.repeat(196)}` }],
  ],
};

/** `base` with `patch` applied (`undefined` removes a field). */
export function patched(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function describeWorkerSubjects(h: BadInputHarness): void {
  const subject = (verb: WorkerVerb, tenant = TENANT_A) => h.workerSubject(tenant, verb);
  const envelopeOf = (verb: WorkerVerb, data: unknown, over: Record<string, unknown> = {}) => JSON.stringify(patched(JSON.parse(h.envelope(TENANT_A, verb, data)) as Record<string, unknown>, over));

  describe('worker subjects refuse undecodable bytes, bad envelopes and bad data with an error envelope', () => {
    it.each(WorkerVerbs.map((v) => [v] as const))('%s', async (verb) => {
      const valid = validData(verb, h.fx.a.running);
      for (const text of NOT_AN_OBJECT) await h.refusedWorker(`bytes ${JSON.stringify(text)}`, verb, subject(verb), text, ['decode_failed', 'validation_failed']);
      for (const [what, over] of BAD_ENVELOPE) await h.refusedWorker(`envelope with ${what}`, verb, subject(verb), envelopeOf(verb, valid, over), ['validation_failed']);
      for (const [what, patch] of VERB_BAD[verb]) await h.refusedWorker(`data with ${what}`, verb, subject(verb), h.envelope(TENANT_A, verb, patched(valid, patch)), ['validation_failed']);
      const raw = (member: string) => h.envelope(TENANT_A, verb, valid).replace(/"data":\{/, `"data":{${member},`);
      await h.refusedWorker('data with a __proto__ member', verb, subject(verb), raw('"__proto__":{"polluted":true}'), ['validation_failed']);
      await h.refusedWorker('data with a constructor member', verb, subject(verb), raw('"constructor":{"prototype":{}}'), ['validation_failed']);
      await h.refusedWorker('data with a number JSON cannot hold', verb, subject(verb), raw('"n":1e400'), ['validation_failed']);
      await h.refusedWorker('data nested 600 levels deep', verb, subject(verb), raw(`"deep":${nested(600)}`), ['validation_failed']);
      await h.refusedWorker('an envelope with a __proto__ member', verb, subject(verb), h.envelope(TENANT_A, verb, valid).replace(/^\{/, '{"__proto__":{"tenant":"bi-b"},'), ['validation_failed']);
      await h.refusedWorker('a 900 KB data field', verb, subject(verb), h.envelope(TENANT_A, verb, { ...valid, workerId: 'w'.repeat(900_000) }), ['validation_failed']);
      await h.refusedWorker('an envelope of tenant A on the subject of tenant B', verb, subject(verb, TENANT_B), h.envelope(TENANT_A, verb, valid), ['validation_failed']);
      await h.refusedWorker("tenant B's envelope and lease on the subject of tenant A", verb, subject(verb), h.envelope(TENANT_B, verb, validData(verb, h.fx.b.running)), ['validation_failed']);
    });
  });

  describe('fenced calls with a forged or stale lease, another tenant\'s job or a finished job are refused and change nothing', () => {
    it.each(FENCED_VERBS.map((v) => [v] as const))('%s', async (verb) => {
      const live = h.fx.a.running;
      const cases: [string, Lease, string[]][] = [
        ['the next fencing token', { ...live, fencingToken: live.fencingToken + 1 }, ['stale_lease']],
        ['a fencing token far ahead', { ...live, fencingToken: live.fencingToken + 1_000_000 }, ['stale_lease']],
        ['a forged lease id', { ...live, leaseId: randomUUID() }, ['stale_lease']],
        ['an unknown job', { ...live, jobId: randomUUID() }, ['not_found']],
        ["tenant B's running job and lease", h.fx.b.running, ['not_found']],
        ["tenant B's job with A's lease", { ...live, jobId: h.fx.b.running.jobId }, ['not_found']],
        ['a queued job with the live lease id', { ...live, jobId: h.fx.a.job.id }, ['stale_lease', 'invalid_transition']],
        ['the lease of a completed job (a replay)', h.fx.a.done, ['stale_lease', 'invalid_transition']],
        ['a completed job with the next fencing token', { ...h.fx.a.done, fencingToken: h.fx.a.done.fencingToken + 1 }, ['stale_lease', 'invalid_transition']],
      ];
      for (const [what, lease, codes] of cases) {
        await h.refusedWorker(`with ${what}`, verb, subject(verb), h.envelope(TENANT_A, verb, validData(verb, lease)), codes);
      }
    });

    it('an artifact over the lease-broker\'s ARTIFACT_MAX_BYTES is refused artifact_too_large before the ledger', async () => {
      const data = { ...validData('artifact', h.fx.a.running), size: 64 * 1024 * 1024 + 1 };
      await h.refusedWorker('with size ARTIFACT_MAX_BYTES + 1', 'artifact', subject('artifact'), h.envelope(TENANT_A, 'artifact', data), ['artifact_too_large']);
    });

    it('a second complete of a completed job, with the same or another result, is refused like any replay', async () => {
      const done = h.fx.a.done;
      for (const result of [{ marker: 'marker-of-a' }, { other: true }, null, undefined]) {
        const data = result === undefined ? { ...done } : { ...done, result };
        await h.refusedWorker(`complete again with result ${JSON.stringify(result)}`, 'complete', subject('complete'), h.envelope(TENANT_A, 'complete', data), ['stale_lease', 'invalid_transition']);
      }
      const status = await h.cluster.pg.query<{ status: string }>('SELECT status FROM ledger.jobs WHERE id = $1', [done.jobId]);
      expect(status.rows[0]?.status).toBe('succeeded');
    });
  });
}
