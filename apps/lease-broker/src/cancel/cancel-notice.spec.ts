import { Envelope, OrchError, orchNames } from '@orch/contracts';
import { cancelNoticeFor } from './cancel-notice';

const names = orchNames('orch');
const jobId = '0192f0a0-0000-7000-8000-000000000001';

function event(over: { type?: string; tenant?: string; data?: Record<string, unknown>; eventTenant?: string } = {}): Envelope<unknown> {
  return {
    v: 1,
    id: '0192f0a0-0000-7000-8000-0000000000e1',
    type: over.type ?? 'job.cancel_requested',
    ts: '2026-11-23T10:00:00.000Z',
    tenant: over.tenant ?? 'acme',
    project: 'p1',
    correlationId: 'corr-job',
    jobType: 'demo.echo',
    data: {
      event: { jobId, tenant: over.eventTenant ?? 'acme', data: over.data ?? { reason: 'stuck', deadline: '2026-11-23T10:00:30.000Z', leaseId: 'l' } },
      job: {},
    },
  };
}

describe('cancel notice', () => {
  it("addresses the job's cancel subject with the reason and deadline, caused by the ledger event", () => {
    expect(cancelNoticeFor(names, event())).toEqual({
      subject: `orch.cancel.acme.${jobId}`,
      envelope: {
        type: 'job.cancel',
        tenant: 'acme',
        project: 'p1',
        correlationId: 'corr-job',
        causationId: '0192f0a0-0000-7000-8000-0000000000e1',
        jobType: 'demo.echo',
        data: { jobId, reason: 'stuck', deadline: '2026-11-23T10:00:30.000Z' },
      },
    });
  });

  it.each([
    ['another event type', event({ type: 'job.canceled' })],
    ['a tenant mismatch between envelope and event', event({ eventTenant: 'other' })],
    ['a missing deadline', event({ data: { reason: 'stuck' } })],
    ['a non-string reason', event({ data: { reason: 1, deadline: '2026-11-23T10:00:30.000Z' } })],
  ])('refuses %s', (_what, env) => {
    expect(() => cancelNoticeFor(names, env)).toThrow(OrchError);
  });
});
