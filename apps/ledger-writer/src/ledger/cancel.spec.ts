import { JobStatus, OrchError } from '@orch/contracts';
import { verifyChain } from '@orch/domain';
import { applyCancel, applyComplete, applyExpire, applyFail, applyHeartbeat, applyProgress, applyStart } from './commands';
import { ctx, fenceOf, jobRow, operator, policy, T0, TENANT, unitOfWork } from './uow-fixtures';

const at = (ms: number) => new Date(T0.getTime() + ms);
const digest = (c: string) => c.repeat(64);
const idem = (key: string, d = digest('a')) => ({ key, scope: 'POST /api/v1/jobs/{id}/cancel', requestDigest: d });

function refusal(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchError);
    return err as OrchError;
  }
  throw new Error('expected a refusal');
}

describe('cancel of a job no worker holds', () => {
  it.each([JobStatus.pending, JobStatus.queued, JobStatus.throttled])('ends a %s job canceled at once, with event and audit entry', (status) => {
    const job = jobRow(status);
    const uow = unitOfWork([job]);
    const r = applyCancel(uow, ctx(), { jobId: job.id, operator }, policy);

    expect(r.changed).toBe(true);
    expect(r.job).toMatchObject({ status: 'canceled', statusReason: 'canceled_by_operator', finishedAt: T0.toISOString(), cancel: null });
    expect(uow.events.map((e) => [e.eventType, e.data['reason']])).toEqual([['job.canceled', 'canceled_by_operator']]);
    expect(uow.events[0].actor).toEqual({ subject: 'alice', scopes: ['orch:operate'] });
    expect(uow.auditEntries).toHaveLength(1);
    expect(uow.auditEntries[0]).toMatchObject({
      tenant: TENANT,
      seq: 1,
      project: 'p1',
      action: 'job.cancel',
      targetType: 'job',
      targetId: job.id,
      reason: 'upstream is down',
      ticket: 'OPS-7',
      actor: { subject: 'alice', scopes: ['orch:operate'] },
      before: { status, finishedAt: null },
      after: { status: 'canceled', statusReason: 'canceled_by_operator' },
    });
    expect(verifyChain(uow.auditEntries)).toMatchObject({ ok: true, count: 1 });
    expect(uow.changedAuditHeads()).toEqual([{ tenant: TENANT, seq: 1, hash: uow.auditEntries[0].hash }]);
  });

  it('leaves a terminal job unchanged and says so, but still audits the attempt', () => {
    const job = jobRow(JobStatus.succeeded, { finishedAt: T0 });
    const uow = unitOfWork([job]);
    const r = applyCancel(uow, ctx(), { jobId: job.id, operator }, policy);
    expect(r).toMatchObject({ changed: false, job: { status: 'succeeded' } });
    expect(uow.events).toEqual([]);
    expect(uow.dirty.size).toBe(0);
    expect(uow.auditEntries[0].before).toEqual(uow.auditEntries[0].after);
  });

  it("does not find another tenant's job and records nothing", () => {
    const job = jobRow(JobStatus.queued, { tenant: 'other' });
    const uow = unitOfWork([job]);
    expect(refusal(() => applyCancel(uow, ctx(), { jobId: job.id, operator }, policy)).code).toBe('not_found');
    expect(uow.auditEntries).toEqual([]);
    expect(job.status).toBe('queued');
  });
});

describe('cancel of a leased or running job', () => {
  it('records the request, caps the lease at the grace deadline and keeps the status', () => {
    const job = jobRow(JobStatus.running);
    const uow = unitOfWork([job]);
    const r = applyCancel(uow, ctx(), { jobId: job.id, operator }, policy);
    expect(r.changed).toBe(true);
    expect(r.job).toMatchObject({
      status: 'running',
      cancel: { requestedAt: T0.toISOString(), reason: 'upstream is down', deadline: at(5_000).toISOString() },
      lease: { expiresAt: at(5_000).toISOString() },
    });
    expect(uow.events.map((e) => e.eventType)).toEqual(['job.cancel_requested']);
    expect(uow.events[0].data).toMatchObject({ reason: 'upstream is down', deadline: at(5_000).toISOString(), leaseId: job.leaseId });
    expect(uow.outbox[0].subject).toBe('orch.evt.acme.demo~echo.cancel_requested');
  });

  it('never lengthens a lease that already ends before the deadline', () => {
    const job = jobRow(JobStatus.leased, { leaseExpiresAt: at(1_000) });
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    expect(job.leaseExpiresAt).toEqual(at(1_000));
    expect(job.cancelDeadline).toEqual(at(5_000));
  });

  it('answers a second cancel with changed:false and keeps the first deadline', () => {
    const job = jobRow(JobStatus.running);
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    const later = unitOfWork([job], at(2_000));
    expect(applyCancel(later, ctx(), { jobId: job.id, operator }, policy).changed).toBe(false);
    expect(later.events).toEqual([]);
    expect(job.cancelDeadline).toEqual(at(5_000));
  });

  it('tells the worker on start, heartbeat and progress, and no renewal passes the deadline', () => {
    const job = jobRow(JobStatus.leased);
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    const uow = unitOfWork([job], at(1_000));
    expect(applyStart(uow, ctx(), fenceOf(job))).toEqual({ leaseExpiresAt: at(5_000).toISOString(), cancelRequested: true });
    expect(applyHeartbeat(uow, ctx(), { ...fenceOf(job), leaseMs: 60_000 })).toEqual({ leaseExpiresAt: at(5_000).toISOString(), cancelRequested: true });
    expect(applyProgress(uow, ctx(), { ...fenceOf(job), percent: 10 })).toEqual({ leaseExpiresAt: at(5_000).toISOString(), cancelRequested: true });
    // Past the deadline the lease is gone: the worker's calls are fenced off.
    expect(refusal(() => applyHeartbeat(unitOfWork([job], at(5_000)), ctx(), fenceOf(job))).code).toBe('stale_lease');
  });

  it('turns the worker fail into canceled: no retry and no dead letter, whatever the error says', () => {
    const job = jobRow(JobStatus.running);
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    const uow = unitOfWork([job], at(1_000));
    const r = applyFail(uow, ctx({ actor: { subject: 'worker:w1', scopes: [] } }), { ...fenceOf(job), error: { code: 'canceled', message: 'aborted', retryable: true } }, policy);
    expect(r).toEqual({ status: 'canceled' });
    expect(job).toMatchObject({ status: 'canceled', statusReason: 'canceled_by_operator', attempt: 1, leaseId: null, finishedAt: at(1_000) });
    expect(job.lastError).toMatchObject({ code: 'canceled', attempt: 1 });
    expect(uow.events.map((e) => e.eventType)).toEqual(['job.canceled']);
    expect(uow.events[0].data).toMatchObject({ reason: 'canceled_by_operator', operatorReason: 'upstream is down', leaseId: '0192f0a0-0000-7000-8000-0000000000aa' });
    expect(uow.deadLetters).toEqual([]);
  });

  it('lets a worker that completes anyway end the job succeeded', () => {
    const job = jobRow(JobStatus.running);
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    expect(applyComplete(unitOfWork([job], at(1_000)), ctx(), { ...fenceOf(job), result: { done: true } })).toEqual({ status: 'succeeded' });
  });

  it('ends the job canceled when its capped lease runs out (cancel_grace_expired), not retried', () => {
    const job = jobRow(JobStatus.running);
    applyCancel(unitOfWork([job]), ctx(), { jobId: job.id, operator }, policy);
    const uow = unitOfWork([job], at(5_000));
    expect(applyExpire(uow, ctx(), { jobId: job.id, fencingToken: 1 }, policy)).toEqual({ status: 'canceled' });
    expect(job).toMatchObject({ status: 'canceled', statusReason: 'cancel_grace_expired', attempt: 1 });
    expect(uow.deadLetters).toEqual([]);
  });

  it('still retries an ordinary failure of a job nobody asked to cancel', () => {
    const job = jobRow(JobStatus.running);
    const r = applyFail(unitOfWork([job]), ctx(), { ...fenceOf(job), error: { code: 'x', message: 'y' } }, policy);
    expect(r).toMatchObject({ status: 'queued', nextAttempt: 2 });
  });
});

describe('cancel with an idempotency key', () => {
  it('applies once: the same key and digest return the first result without a second audit entry', () => {
    const job = jobRow(JobStatus.running);
    const uow = unitOfWork([job]);
    const first = applyCancel(uow, ctx(), { jobId: job.id, operator, idempotency: idem('k1') }, policy);
    const again = applyCancel(uow, ctx(), { jobId: job.id, operator, idempotency: idem('k1') }, policy);
    expect(again).toEqual(first);
    expect(again.changed).toBe(true);
    expect(uow.auditEntries).toHaveLength(1);
    expect(uow.events).toHaveLength(1);
    expect(uow.idempotencyNew).toEqual([
      { tenant: TENANT, scope: 'POST /api/v1/jobs/{id}/cancel', key: 'k1', requestDigest: digest('a'), jobId: job.id, result: { jobIds: [job.id], changed: true } },
    ]);
  });

  it('refuses the key with another digest (409) and changes nothing', () => {
    const job = jobRow(JobStatus.queued);
    const other = jobRow(JobStatus.queued);
    const uow = unitOfWork([job, other]);
    applyCancel(uow, ctx(), { jobId: job.id, operator, idempotency: idem('k2') }, policy);
    const err = refusal(() => applyCancel(uow, ctx(), { jobId: other.id, operator, idempotency: idem('k2', digest('b')) }, policy));
    expect(err).toMatchObject({ code: 'idempotency_conflict', status: 409 });
    expect(other.status).toBe('queued');
    expect(uow.auditEntries).toHaveLength(1);
  });

  it('rebuilds a replay from a stored record and the job as it is now', () => {
    const job = jobRow(JobStatus.canceled);
    const record = { tenant: TENANT, scope: 'POST /api/v1/jobs/{id}/cancel', key: 'k3', requestDigest: digest('a'), jobId: job.id, result: { jobIds: [job.id], changed: true } };
    const uow = unitOfWork([job], T0, [record]);
    expect(applyCancel(uow, ctx(), { jobId: job.id, operator, idempotency: idem('k3') }, policy)).toMatchObject({ changed: true, job: { id: job.id, status: 'canceled' } });
    expect(uow.auditEntries).toEqual([]);
  });
});
