import { OrchError } from '@orch/contracts';
import { assertSubjectTenant, claimTerms, tenantOfWorkerSubject } from './worker-protocol';

const limits = { leaseDefaultMs: 30_000, leaseMaxMs: 3_600_000, claimWaitMaxMs: 30_000 };

describe('worker protocol rules', () => {
  it('reads the tenant from the third token of a worker subject', () => {
    expect(tenantOfWorkerSubject('orch.worker.acme.claim')).toBe('acme');
    expect(tenantOfWorkerSubject('t1a2b.worker.a-b_c.heartbeat')).toBe('a-b_c');
    expect(tenantOfWorkerSubject('orch.cmd.ledgerwriter.lease')).toBeUndefined();
    expect(tenantOfWorkerSubject('orch.worker.acme')).toBeUndefined();
  });

  it('accepts a request whose envelope tenant matches the subject', () => {
    expect(() => assertSubjectTenant('orch.worker.acme.start', 'acme')).not.toThrow();
  });

  it('refuses a request whose envelope names another tenant than the subject, as a validation error', () => {
    let caught: unknown;
    try {
      assertSubjectTenant('orch.worker.acme.complete', 'other');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OrchError);
    expect(caught).toMatchObject({ code: 'validation_failed', status: 400, retryable: false, message: 'tenant in subject and envelope differ' });
  });

  it('gives the default lease when none is asked and clamps asked leases to the allowed range', () => {
    expect(claimTerms({}, limits).leaseMs).toBe(30_000);
    expect(claimTerms({ leaseMs: 5_000 }, limits).leaseMs).toBe(5_000);
    expect(claimTerms({ leaseMs: 10 }, limits).leaseMs).toBe(1_000);
    expect(claimTerms({ leaseMs: 10_000_000 }, { ...limits, leaseMaxMs: 60_000 }).leaseMs).toBe(60_000);
  });

  it('does not wait unless asked and caps the wait at CLAIM_WAIT_MAX_MS', () => {
    expect(claimTerms({}, limits).waitMs).toBe(0);
    expect(claimTerms({ waitMs: 2_000 }, limits).waitMs).toBe(2_000);
    expect(claimTerms({ waitMs: 25_000 }, { ...limits, claimWaitMaxMs: 10_000 }).waitMs).toBe(10_000);
  });
});
