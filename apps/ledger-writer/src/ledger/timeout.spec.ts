import { JobStatus } from '@orch/contracts';
import { decideFailure } from '@orch/domain';
import { applyExpire, applyHeartbeat, applyStart } from './commands';
import { ctx, fenceOf, jobRow, policy, T0, unitOfWork } from './uow-fixtures';

const at = (ms: number) => new Date(T0.getTime() + ms);
const timed = { ...policy, timeouts: new Map([['demo.echo', 2_000]]) };

describe('execution timeouts (JOB_TIMEOUTS)', () => {
  it('sets the deadline on start and caps the lease at it, then no renewal passes it', () => {
    const job = jobRow(JobStatus.leased, { leaseExpiresAt: at(30_000) });
    applyStart(unitOfWork([job]), ctx(), fenceOf(job), timed);
    expect(job.deadlineAt).toEqual(at(2_000));
    expect(job.leaseExpiresAt).toEqual(at(2_000));
    applyHeartbeat(unitOfWork([job], at(1_000)), ctx(), { ...fenceOf(job), leaseMs: 60_000 });
    expect(job.leaseExpiresAt).toEqual(at(2_000));
  });

  it('leaves a job type without a timeout alone', () => {
    const job = jobRow(JobStatus.leased, { jobType: 'other.type', leaseExpiresAt: at(30_000) });
    applyStart(unitOfWork([job]), ctx(), fenceOf(job), timed);
    expect(job.deadlineAt).toBeNull();
    expect(job.leaseExpiresAt).toEqual(at(30_000));
  });

  it('ends an overrunning attempt as execution_timeout: retried while attempts remain, then timed_out and dead-lettered', () => {
    const job = jobRow(JobStatus.leased, { leaseExpiresAt: at(30_000), maxAttempts: 2 });
    applyStart(unitOfWork([job]), ctx(), fenceOf(job), timed);
    const first = unitOfWork([job], at(2_000));
    expect(applyExpire(first, ctx(), { jobId: job.id, fencingToken: job.fencingToken }, timed)).toMatchObject({ status: 'queued', nextAttempt: 2 });
    expect(job).toMatchObject({ statusReason: 'execution_timeout', deadlineAt: null, leaseId: null });
    expect(job.lastError).toMatchObject({ code: 'execution_timeout', attempt: 1 });
    expect(first.events.map((e) => e.eventType)).toEqual(['job.queued']);

    // The second attempt overruns too: the job ends timed_out (not failed), in the dead-letter set.
    Object.assign(job, { status: JobStatus.leased, leaseId: '0190d6f0-0000-7000-8000-00000000beef', fencingToken: job.fencingToken + 1, leaseExpiresAt: at(40_000) });
    applyStart(unitOfWork([job], at(10_000)), ctx(), fenceOf(job), timed);
    const last = unitOfWork([job], at(12_000));
    expect(applyExpire(last, ctx(), { jobId: job.id, fencingToken: job.fencingToken }, timed)).toEqual({ status: 'timed_out' });
    expect(job.statusReason).toBe('execution_timeout');
    expect(last.events.map((e) => e.eventType)).toEqual(['job.timed_out', 'job.dead_lettered']);
    expect(last.deadLetters).toMatchObject([{ jobId: job.id, reason: 'execution_timeout', errorCode: 'execution_timeout' }]);
  });

  it('treats a lease that ran out before the deadline as a lease expiry, not a timeout', () => {
    const job = jobRow(JobStatus.leased, { leaseExpiresAt: at(1_000) });
    applyStart(unitOfWork([job]), ctx(), fenceOf(job), timed);
    expect(job.leaseExpiresAt).toEqual(at(1_000));
    applyExpire(unitOfWork([job], at(1_000)), ctx(), { jobId: job.id, fencingToken: job.fencingToken }, timed);
    expect(job.statusReason).toBe('lease_expired');
  });

  it('decideFailure: a timeout on the last attempt is timed_out, earlier ones retry', () => {
    expect(decideFailure({ attempt: 2, maxAttempts: 2, retryable: true, cause: 'execution_timeout' })).toEqual({ kind: 'terminal', status: 'timed_out', reason: 'execution_timeout' });
    expect(decideFailure({ attempt: 1, maxAttempts: 2, retryable: true, cause: 'execution_timeout' }, undefined, () => 0.5)).toMatchObject({ kind: 'retry', reason: 'execution_timeout' });
    expect(decideFailure({ attempt: 2, maxAttempts: 2, retryable: true, cause: 'worker_failure' })).toMatchObject({ status: 'failed', reason: 'attempts_exhausted' });
  });
});
