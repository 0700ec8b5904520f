import { OrchError } from '@orch/contracts';
import { assertPayloadSize, buildSubmitCommand, submitFailure, withCallerTenant } from './submit-command';

describe('submit command', () => {
  const body = { tenant: 't1', project: 'p1', jobType: 'demo.echo', payload: { a: 1, b: [1, 2] } };

  it('digests the body independent of key order, and any change changes it', () => {
    const a = buildSubmitCommand(body, 'k');
    const reordered = buildSubmitCommand({ payload: { b: [1, 2], a: 1 }, jobType: 'demo.echo', project: 'p1', tenant: 't1' }, 'k');
    expect(a).toMatchObject({ ...body, idempotencyKey: 'k', scope: 'POST /api/v1/jobs' });
    expect(a.requestDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(reordered.requestDigest).toBe(a.requestDigest);
    expect(buildSubmitCommand({ ...body, priority: 5 }, 'k').requestDigest).not.toBe(a.requestDigest);
  });

  it('fills in the caller\'s tenant, so naming it or leaving it out is the same request', () => {
    const { tenant: _omitted, ...withoutTenant } = body;
    const filled = withCallerTenant(withoutTenant, 't1');
    expect(filled).toEqual(body);
    expect(buildSubmitCommand(filled, 'k').requestDigest).toBe(buildSubmitCommand(withCallerTenant(body, 't1'), 'k').requestDigest);
  });

  it('refuses a body naming another tenant with 403, without echoing it', () => {
    let err: OrchError | undefined;
    try {
      withCallerTenant({ ...body, tenant: 'other' }, 't1');
    } catch (e) {
      err = e as OrchError;
    }
    expect(err).toMatchObject({ code: 'forbidden', status: 403, errors: [{ path: 'tenant' }] });
    expect(err?.message).not.toContain('other');
  });

  it('measures the payload as serialized UTF-8 bytes', () => {
    expect(() => assertPayloadSize({ s: 'x'.repeat(100) }, 108)).not.toThrow(); // {"s":"…"} = 108 bytes
    expect(() => assertPayloadSize({ s: 'x'.repeat(100) }, 107)).toThrow(expect.objectContaining({ code: 'payload_too_large', status: 413 }));
    // 50 two-byte characters: 58 characters but 108 bytes.
    expect(() => assertPayloadSize({ s: '\u00e9'.repeat(50) }, 108)).not.toThrow();
    expect(() => assertPayloadSize({ s: '\u00e9'.repeat(50) }, 107)).toThrow(expect.objectContaining({ code: 'payload_too_large' }));
  });

  it('turns a missing or silent ledger-writer into 503 and passes refusals through', () => {
    expect(submitFailure(new OrchError('timeout', 'late'), 10)).toMatchObject({ code: 'unavailable', status: 503 });
    expect(submitFailure(new OrchError('unavailable', 'gone'), 10)).toMatchObject({ code: 'unavailable', status: 503 });
    const conflict = new OrchError('idempotencyConflict', 'no');
    expect(submitFailure(conflict, 10)).toBe(conflict);
  });
});
