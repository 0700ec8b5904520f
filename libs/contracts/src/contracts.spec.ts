import { Envelope } from './envelope';
import { OrchError } from './errors';
import { ClaimRequest, FailRequest, SubmitJobRequest } from './jobs';
import { jobTypeFromToken, jobTypeToken, orchNames } from './names';
import { parseJson, validatePlain } from './validate';

const goodEnvelope = {
  v: 1,
  id: '0192f0a0-0000-7000-8000-000000000001',
  type: 'job.queued',
  ts: '2026-11-23T10:00:00.000Z',
  tenant: 't1',
  project: 'p1',
  correlationId: 'c-1',
  data: {},
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as OrchError).code;
  }
  return undefined;
}

describe('names', () => {
  const n = orchNames('orch');

  it('builds every subject family under the namespace', () => {
    expect(n.cmd('ledger-writer', 'submit')).toBe('orch.cmd.ledgerwriter.submit');
    expect(n.evt('t1', 'demo.echo', 'job.queued')).toBe('orch.evt.t1.demo~echo.queued');
    expect(n.dispatch('t1', 'demo.echo')).toBe('orch.dispatch.t1.demo~echo');
    expect(n.log('t1', 'j1')).toBe('orch.log.t1.j1');
    expect(n.notify('t1', 'job.timed_out')).toBe('orch.notify.t1.job_timed_out');
    expect(n.worker('t1', 'claim')).toBe('orch.worker.t1.claim');
    expect(n.streams).toEqual({ events: 'ORCH_EVENTS', dispatch: 'ORCH_DISPATCH', logs: 'ORCH_LOGS', notify: 'ORCH_NOTIFY' });
  });

  it('keeps a dotted job type in one subject token, reversibly', () => {
    expect(jobTypeToken('a.b.c')).toBe('a~b~c');
    expect(jobTypeFromToken(jobTypeToken('a.b-c_d'))).toBe('a.b-c_d');
  });

  it('isolates namespaces by prefix', () => {
    const t = orchNames('t1234');
    expect(t.evtAll()).toBe('t1234.evt.>');
    expect(t.streams.events).toBe('T1234_EVENTS');
  });

  it('refuses a namespace that would break subjects or stream names', () => {
    for (const bad of ['', 'Orch', 'or.ch', 'o*', '1orch', 'a'.repeat(40)]) expect(() => orchNames(bad)).toThrow(/invalid namespace/);
  });
});

describe('envelope validation', () => {
  it('accepts a complete envelope', () => {
    expect(validatePlain(Envelope, goodEnvelope)).toMatchObject({ tenant: 't1', type: 'job.queued' });
  });

  it.each([
    ['wrong version', { v: 2 }],
    ['missing id', { id: undefined }],
    ['bad timestamp', { ts: 'yesterday' }],
    ['tenant with a dot (would split the subject)', { tenant: 't.1' }],
    ['tenant with a wildcard', { tenant: '*' }],
    ['upper-case tenant', { tenant: 'T1' }],
    ['non-object data', { data: 'x' }],
    ['missing correlationId', { correlationId: undefined }],
    ['unknown field', { extra: true }],
    ['job type with a wildcard', { jobType: 'a.>' }],
  ])('refuses %s with validation_failed', (_what, patch) => {
    expect(codeOf(() => validatePlain(Envelope, { ...goodEnvelope, ...patch }))).toBe('validation_failed');
  });

  it('allows project "*" (a claim spanning projects)', () => {
    expect(() => validatePlain(Envelope, { ...goodEnvelope, project: '*' })).not.toThrow();
  });

  it('maps malformed JSON to decode_failed', () => {
    expect(codeOf(() => parseJson('{"v":'))).toBe('decode_failed');
  });

  it('lists every field problem', () => {
    try {
      validatePlain(SubmitJobRequest, { tenant: 'T', project: '', jobType: 'x', payload: 3, priority: 12 });
    } catch (err) {
      const paths = (err as OrchError).errors!.map((e) => e.path).sort();
      expect(paths).toEqual(expect.arrayContaining(['payload', 'priority', 'project', 'tenant']));
      return;
    }
    throw new Error('expected a validation error');
  });
});

describe('payload validation', () => {
  it('bounds claim batches and waits', () => {
    expect(codeOf(() => validatePlain(ClaimRequest, { workerId: 'w', jobTypes: ['a'], max: 0 }))).toBe('validation_failed');
    expect(codeOf(() => validatePlain(ClaimRequest, { workerId: 'w', jobTypes: ['a'], max: 1, waitMs: 60_000 }))).toBe('validation_failed');
    expect(() => validatePlain(ClaimRequest, { workerId: 'w', jobTypes: ['a.b'], max: 10, waitMs: 100 })).not.toThrow();
  });

  it('validates the nested error of a fail request', () => {
    const base = { jobId: '0192f0a0-0000-7000-8000-000000000001', leaseId: '0192f0a0-0000-7000-8000-000000000002', fencingToken: 1 };
    expect(codeOf(() => validatePlain(FailRequest, { ...base, error: { code: 1 } }))).toBe('validation_failed');
    expect(() => validatePlain(FailRequest, { ...base, error: { code: 'x', message: 'boom', retryable: false } })).not.toThrow();
  });

  it('refuses a non-integer priority and out-of-range attempts', () => {
    const ok = { tenant: 't1', project: 'p', jobType: 'demo.echo', payload: {} };
    expect(codeOf(() => validatePlain(SubmitJobRequest, { ...ok, priority: 1.5 }))).toBe('validation_failed');
    expect(codeOf(() => validatePlain(SubmitJobRequest, { ...ok, maxAttempts: 0 }))).toBe('validation_failed');
    expect(codeOf(() => validatePlain(SubmitJobRequest, { ...ok, runAt: 'soon' }))).toBe('validation_failed');
    expect(validatePlain(SubmitJobRequest, { ...ok, priority: 9, maxAttempts: 5 })).toMatchObject({ priority: 9 });
  });
});
