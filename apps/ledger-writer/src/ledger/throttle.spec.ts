import { JobStatus, ThrottleCode } from '@orch/contracts';
import { toJobView } from '@orch/persistence';
import { applyAdmit, applyThrottle } from './commands';
import { ctx, jobRow, T0, unitOfWork } from './uow-fixtures';

const reason = { code: ThrottleCode.rateLimited, ruleId: 'r1', key: 'r1|tenant=acme|source=nvd', detail: '60/min per {tenant, source} reached for source nvd' };
const later = new Date(T0.getTime() + 1_500).toISOString();

describe('throttle: the rate-limiter holds a job back', () => {
  it('moves a queued job to throttled with one event carrying the reason and the next eligible time', () => {
    const job = jobRow(JobStatus.queued);
    const uow = unitOfWork([job]);
    const r = applyThrottle(uow, ctx(), { jobs: [{ jobId: job.id, attempt: 1, reason, nextEligibleAt: later }] });

    expect(r).toEqual({ throttled: [job.id], updated: [], skipped: [] });
    expect(toJobView(job)).toMatchObject({ status: 'throttled', statusReason: 'throttled', eligibleAt: later, throttle: reason });
    expect(uow.events.map((e) => [e.eventType, e.data['reason'], e.data['nextEligibleAt']])).toEqual([['job.throttled', 'throttled', later]]);
    expect(uow.events[0].data['throttle']).toEqual(reason);
  });

  it('updates a throttled job quietly when the reason or time changes, and writes nothing when neither does', () => {
    const job = jobRow(JobStatus.throttled, { throttle: reason, eligibleAt: new Date(later) });
    const uow = unitOfWork([job]);
    const same = applyThrottle(uow, ctx(), { jobs: [{ jobId: job.id, attempt: 1, reason, nextEligibleAt: later }] });
    expect(same).toEqual({ throttled: [], updated: [], skipped: [job.id] });
    expect(uow.dirty.size).toBe(0);

    const capped = { code: ThrottleCode.concurrencyCap, ruleId: 'c1', key: 'c1|tenant=acme|jobType=scan', detail: 'at most 5 running per {tenant, jobType}' };
    const changed = applyThrottle(uow, ctx(), { jobs: [{ jobId: job.id, attempt: 1, reason: capped, nextEligibleAt: null }] });
    expect(changed).toEqual({ throttled: [], updated: [job.id], skipped: [] });
    expect(toJobView(job)).toMatchObject({ status: 'throttled', eligibleAt: null, throttle: capped });
    expect(uow.events).toHaveLength(0);
  });

  it.each([
    ['a leased job', () => jobRow(JobStatus.leased), 1],
    ['a finished job', () => jobRow(JobStatus.succeeded), 1],
    ['an admitted attempt', () => jobRow(JobStatus.queued, { admittedAttempt: 1 }), 1],
    ['another attempt', () => jobRow(JobStatus.queued, { attempt: 2 }), 1],
    ['another tenant’s job', () => jobRow(JobStatus.queued, { tenant: 'other' }), 1],
  ])('skips %s and changes nothing', (_name, make, attempt) => {
    const job = make();
    const before = JSON.stringify(job);
    const uow = unitOfWork([job]);
    const r = applyThrottle(uow, ctx(), { jobs: [{ jobId: job.id, attempt, reason, nextEligibleAt: later }] });
    expect(r.skipped).toEqual([job.id]);
    expect(JSON.stringify(job)).toBe(before);
    expect(uow.events).toHaveLength(0);
  });
});

describe('admit of a throttled job', () => {
  it('lifts the hold (job.queued, reason throttle_lifted) and dispatches the attempt once', () => {
    const job = jobRow(JobStatus.throttled, { throttle: reason, eligibleAt: new Date(later) });
    const uow = unitOfWork([job]);
    const r = applyAdmit(uow, ctx(), { jobs: [{ jobId: job.id, attempt: 1 }] });

    expect(r).toEqual({ admitted: [job.id], skipped: [] });
    expect(toJobView(job)).toMatchObject({ status: 'queued', statusReason: 'throttle_lifted', throttle: null });
    expect(job.admittedAttempt).toBe(1);
    expect(uow.events.map((e) => [e.eventType, e.data['reason']])).toEqual([['job.queued', 'throttle_lifted']]);
    expect(uow.outbox.filter((m) => m.subject.includes('.dispatch.'))).toHaveLength(1);

    const again = applyAdmit(uow, ctx(), { jobs: [{ jobId: job.id, attempt: 1 }] });
    expect(again).toEqual({ admitted: [], skipped: [job.id] });
    expect(uow.outbox.filter((m) => m.subject.includes('.dispatch.'))).toHaveLength(1);
  });
});
