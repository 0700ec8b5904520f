import { JobView } from '@orch/contracts';
import { explainJob, ExplainFacts } from './explain';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

function job(over: Partial<JobView> = {}): JobView {
  return {
    id: '01a24d55-0000-7000-8000-000000000001',
    tenant: 'acme',
    project: 'p1',
    jobType: 'feeds.fetch',
    source: null,
    status: 'queued',
    statusReason: null,
    throttle: null,
    priority: 5,
    payload: {},
    payloadDigest: 'a'.repeat(64),
    result: null,
    lastError: null,
    attempt: 1,
    maxAttempts: 3,
    runAt: null,
    eligibleAt: null,
    lease: null,
    progress: null,
    cancel: null,
    correlationId: 'c1',
    idempotencyKey: 'k1',
    runId: null,
    replayOf: null,
    window: null,
    backfillId: null,
    deadlineAt: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

function facts(over: Partial<ExplainFacts> = {}): ExplainFacts {
  return { job: job(), admitted: false, queue: { ahead: 0, waiting: 1 }, workers: { running: 1, lastStartedAt: NOW }, openParents: null, now: NOW, ...over };
}

const codes = (f: ExplainFacts) => explainJob(f).reasons.map((r) => r.code);

describe('explainJob', () => {
  it('says a terminal job has finished, with its status and reason, and is not progressing', () => {
    const e = explainJob(facts({ job: job({ status: 'failed', statusReason: 'attempts_exhausted', finishedAt: NOW.toISOString() }) }));
    expect(e.reasons.map((r) => r.code)).toEqual(['finished']);
    expect(e.summary).toContain('ended failed (attempts_exhausted)');
    expect(e.progressing).toBe(false);
    expect(e.nextEligibleAt).toBeNull();
  });

  it('names the worker and the lease end of a running job, and a pending cancel with its deadline', () => {
    const lease = { leaseId: 'l1', fencingToken: 3, expiresAt: later(30_000), workerId: 'w-7' };
    const e = explainJob(
      facts({ job: job({ status: 'running', lease, progress: { percent: 40, message: null }, cancel: { requestedAt: NOW.toISOString(), reason: 'wrong input', deadline: later(5_000) } }) }),
    );
    expect(e.reasons.map((r) => r.code)).toEqual(['running', 'cancel_requested']);
    expect(e.reasons[0].detail).toContain('w-7');
    expect(e.reasons[0].detail).toContain('40% done');
    expect(e.reasons[0].until).toBe(lease.expiresAt);
    expect(e.reasons[1].until).toBe(later(5_000));
    expect(e.progressing).toBe(true);
  });

  it('tells a leased job that has not started from a running one', () => {
    const lease = { leaseId: 'l1', fencingToken: 1, expiresAt: later(10_000), workerId: 'w-1' };
    expect(codes(facts({ job: job({ status: 'leased', lease }) }))).toEqual(['leased']);
  });

  it('gives a delayed job its runAt as the next eligible time', () => {
    const e = explainJob(facts({ job: job({ status: 'pending', runAt: later(60_000) }) }));
    expect(e.reasons.map((r) => r.code)).toEqual(['scheduled']);
    expect(e.nextEligibleAt).toBe(later(60_000));
    expect(e.progressing).toBe(false);
  });

  it('says a pending job whose runAt passed waits only for the scheduler', () => {
    const e = explainJob(facts({ job: job({ status: 'pending', runAt: later(-1_000) }) }));
    expect(e.reasons.map((r) => r.code)).toEqual(['awaiting_promotion']);
    expect(e.progressing).toBe(true);
  });

  it('lists the parents a pending job of a run waits for', () => {
    const e = explainJob(facts({ job: job({ status: 'pending' }), openParents: [{ id: 'p-1', status: 'running' }, { id: 'p-2', status: 'queued' }] }));
    expect(e.reasons.map((r) => r.code)).toEqual(['dependencies']);
    expect(e.summary).toContain('2 parent job(s)');
    expect(e.summary).toContain('p-1 (running)');
    expect(e.progressing).toBe(false);
  });

  it('names the limit, rule and key that hold a throttled job, and its next eligible time', () => {
    const throttle = { code: 'rate_limited' as const, ruleId: 'r-nvd', key: 'r-nvd|tenant=acme|source=nvd', detail: '60/min per tenant and source' };
    const e = explainJob(facts({ job: job({ status: 'throttled', throttle, eligibleAt: later(2_500) }), queue: { ahead: 3, waiting: 9 } }));
    expect(e.reasons.map((r) => r.code)).toEqual(['rate_limited', 'priority']);
    expect(e.reasons[0]).toMatchObject({ ruleId: 'r-nvd', key: throttle.key, until: later(2_500) });
    expect(e.reasons[0].detail).toContain('60/min per tenant and source');
    expect(e.reasons[1].detail).toContain('3 of 9');
    expect(e.nextEligibleAt).toBe(later(2_500));
    expect(e.progressing).toBe(false);
  });

  it('says a job held for a concurrency slot waits until one frees, with no next eligible time', () => {
    const throttle = { code: 'concurrency_cap' as const, ruleId: 'c1', key: 'c1|tenant=acme', detail: 'at most 5 in flight' };
    const e = explainJob(facts({ job: job({ status: 'throttled', throttle }) }));
    expect(e.reasons[0].detail).toContain('until a slot frees');
    expect(e.nextEligibleAt).toBeNull();
  });

  it('reports the backoff of a retried attempt with the last error', () => {
    const e = explainJob(facts({ job: job({ attempt: 2, eligibleAt: later(4_000), lastError: { code: 'upstream_503', message: 'service unavailable' } }) }));
    expect(e.reasons.map((r) => r.code)).toEqual(['retry_backoff']);
    expect(e.summary).toContain('upstream_503');
    expect(e.nextEligibleAt).toBe(later(4_000));
  });

  it('says an eligible job not yet admitted waits for the scheduler, and how many go first', () => {
    const e = explainJob(facts({ queue: { ahead: 2, waiting: 3 } }));
    expect(e.reasons.map((r) => r.code)).toEqual(['awaiting_admission', 'priority']);
    expect(e.progressing).toBe(true);
  });

  it('says a dispatched job has no worker when none of its type runs, and waits for a free one otherwise', () => {
    const none = explainJob(facts({ admitted: true, workers: { running: 0, lastStartedAt: null } }));
    expect(none.reasons.map((r) => r.code)).toEqual(['no_worker']);
    expect(none.summary).toContain('is a worker for feeds.fetch connected?');
    expect(none.progressing).toBe(false);
    const busy = explainJob(facts({ admitted: true, workers: { running: 4, lastStartedAt: NOW } }));
    expect(busy.reasons.map((r) => r.code)).toEqual(['awaiting_worker']);
    expect(busy.progressing).toBe(true);
  });
});
