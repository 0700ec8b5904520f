import { OrchError } from './errors';
import { AppendAuditCommand, CancelJobCommand, SubmitBatchCommand } from './operator-commands';
import { validatePlain } from './validate';

const operator = { subject: 'alice', scopes: ['orch:operate'], reason: 'stuck upstream', ticket: 'OPS-1' };
const digest = 'a'.repeat(64);
const item = (over: Record<string, unknown> = {}) => ({ tenant: 't1', project: 'p1', jobType: 'demo.echo', payload: { n: 1 }, ...over });

function problems(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchError);
    expect((err as OrchError).code).toBe('validation_failed');
    return (err as OrchError).errors ?? [];
  }
  throw new Error('expected validation to fail');
}

const paths = (fn: () => unknown) => [...new Set(problems(fn).map((p) => p.path))];

describe('CancelJobCommand', () => {
  const good = { jobId: '0192f0a0-0000-7000-8000-000000000001', operator };

  it('accepts a job id and an operator, with or without an idempotency ref', () => {
    expect(validatePlain(CancelJobCommand, good).operator.reason).toBe('stuck upstream');
    const withKey = validatePlain(CancelJobCommand, { ...good, idempotency: { key: 'k1', scope: 'POST /api/v1/jobs/{id}/cancel', requestDigest: digest } });
    expect(withKey.idempotency?.key).toBe('k1');
  });

  it('requires the operator and names the failing nested field', () => {
    expect(paths(() => validatePlain(CancelJobCommand, { jobId: good.jobId }))).toEqual(['operator']);
    expect(paths(() => validatePlain(CancelJobCommand, { ...good, operator: { ...operator, reason: 'x'.repeat(257) } }))).toEqual(['operator.reason']);
    expect(paths(() => validatePlain(CancelJobCommand, { ...good, operator: { ...operator, reason: '' } }))).toEqual(['operator.reason']);
  });

  it('refuses a malformed job id or idempotency digest', () => {
    expect(paths(() => validatePlain(CancelJobCommand, { ...good, jobId: 'nope' }))).toEqual(['jobId']);
    expect(paths(() => validatePlain(CancelJobCommand, { ...good, idempotency: { key: 'k', scope: 's', requestDigest: 'short' } }))).toEqual(['idempotency.requestDigest']);
  });
});

describe('SubmitBatchCommand', () => {
  const batch = (jobs: unknown[]) => ({ jobs, idempotencyKey: 'b1', requestDigest: digest, scope: 'POST /api/v1/jobs:batch' });

  it('accepts 1 to 1000 valid jobs', () => {
    expect(validatePlain(SubmitBatchCommand, batch([item()])).jobs).toHaveLength(1);
    expect(validatePlain(SubmitBatchCommand, batch(Array.from({ length: 1000 }, (_, i) => item({ payload: { i } })))).jobs).toHaveLength(1000);
  });

  it('refuses an empty batch and one of 1001 jobs', () => {
    expect(paths(() => validatePlain(SubmitBatchCommand, batch([])))).toEqual(['jobs']);
    expect(paths(() => validatePlain(SubmitBatchCommand, batch(Array.from({ length: 1001 }, () => item()))))).toEqual(['jobs']);
  });

  it('reports each bad item by its index path', () => {
    const errs = problems(() => validatePlain(SubmitBatchCommand, batch([item(), item(), item({ jobType: 'bad type!' }), item({ priority: 42, extra: true })])));
    expect([...new Set(errs.map((e) => e.path))].sort()).toEqual(['jobs.2.jobType', 'jobs.3.extra', 'jobs.3.priority']);
  });

  it('refuses an item that is not an object', () => {
    expect(paths(() => validatePlain(SubmitBatchCommand, batch([item(), 'job'])))).toEqual(['jobs.1']);
  });
});

describe('AppendAuditCommand', () => {
  const good = { action: 'quota.update', targetType: 'quota', targetId: 'demo.echo', before: { perMinute: 10 }, after: { perMinute: 20 }, operator };

  it('accepts a dotted action, a target and optional before/after states', () => {
    expect(validatePlain(AppendAuditCommand, good).action).toBe('quota.update');
    expect(validatePlain(AppendAuditCommand, { ...good, before: undefined, after: null }).after).toBeNull();
  });

  it('refuses an action without a verb, an upper-case target type and a non-object state', () => {
    expect(paths(() => validatePlain(AppendAuditCommand, { ...good, action: 'update' }))).toEqual(['action']);
    expect(paths(() => validatePlain(AppendAuditCommand, { ...good, targetType: 'Quota' }))).toEqual(['targetType']);
    expect(paths(() => validatePlain(AppendAuditCommand, { ...good, after: 'x' }))).toEqual(['after']);
  });
});
