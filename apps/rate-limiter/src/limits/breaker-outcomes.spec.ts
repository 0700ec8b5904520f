import { EventType, JobStatus, TransitionReason } from '@orch/contracts';
import { breakerAction, outcomeOf } from './breaker-outcomes';
import { tenantOfChangedSubject } from './rule-set-cache';

const job = { id: 'j1', type: 'scan.run', source: 'nvd', status: JobStatus.succeeded, attempt: 2 };
const ev = (eventType: string, attempt: number, data: Record<string, unknown> = {}) => ({ event: { eventType, attempt, data }, job });

describe('outcomeOf (what a ledger event tells a circuit breaker)', () => {
  it('counts a success, a terminal failure and a timeout at the event attempt', () => {
    expect(outcomeOf(ev(EventType.succeeded, 2))).toEqual({ jobId: 'j1', attempt: 2, jobType: 'scan.run', source: 'nvd', success: true });
    expect(outcomeOf(ev(EventType.failed, 3, { reason: TransitionReason.nonRetryable }))).toMatchObject({ attempt: 3, success: false });
    expect(outcomeOf(ev(EventType.timedOut, 1))).toMatchObject({ attempt: 1, success: false });
  });

  it('counts a retry as a failure of the attempt that failed, not of the next one', () => {
    expect(outcomeOf(ev(EventType.queued, 3, { reason: TransitionReason.retryBackoff, failedAttempt: 2 }))).toMatchObject({ attempt: 2, success: false });
  });

  it('counts nothing for an expired lease, a cancel, a queued job that did not fail, or any other event', () => {
    expect(outcomeOf(ev(EventType.queued, 2, { reason: TransitionReason.leaseExpired, failedAttempt: 1 }))).toBeNull();
    expect(outcomeOf(ev(EventType.failed, 3, { reason: TransitionReason.leaseExpired }))).toBeNull();
    expect(outcomeOf(ev(EventType.canceled, 1))).toBeNull();
    expect(outcomeOf(ev(EventType.queued, 1, { reason: 'submitted' }))).toBeNull();
    for (const t of [EventType.leased, EventType.running, EventType.progress, EventType.deadLettered, EventType.throttled]) expect(outcomeOf(ev(t, 1))).toBeNull();
  });

  it('takes a job without a source (events of older releases) as source null, and ignores malformed data', () => {
    expect(outcomeOf({ event: { eventType: EventType.succeeded, attempt: 1, data: {} }, job: { id: 'j2', type: 't' } })).toMatchObject({ source: null });
    for (const bad of [null, undefined, 1, 'x', {}, { event: {} }, { job: {} }, { event: { eventType: EventType.succeeded }, job: { id: 1, type: 't' } }]) expect(outcomeOf(bad)).toBeNull();
  });
});

describe('breaker audit actions and change notices', () => {
  it('names the status a breaker moved to', () => {
    const t = { from: 'closed', at: 0, reason: 'failure_rate', detail: '', ruleId: 'r', key: 'k' } as const;
    expect(breakerAction({ ...t, to: 'open' })).toBe('limits.breaker.open');
    expect(breakerAction({ ...t, to: 'half_open' })).toBe('limits.breaker.half_open');
    expect(breakerAction({ ...t, to: 'closed' })).toBe('limits.breaker.close');
  });

  it('reads the tenant of a limits notice subject', () => {
    expect(tenantOfChangedSubject('orch.limits.t1.changed')).toBe('t1');
    expect(tenantOfChangedSubject('orch.limits.t1.other')).toBeNull();
    expect(tenantOfChangedSubject('orch.limits.changed')).toBeNull();
  });
});
