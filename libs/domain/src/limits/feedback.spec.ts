import { applyUpstreamFeedbackToLimits, feedbackTargets, outcomeTargets, recordJobOutcome } from './feedback';
import type { LimitSubject } from './keys';
import type { BreakerRule, LimitRule } from './rules';
import { emptyLimitState } from './state';

const subject: LimitSubject = { tenant: 't1', project: 'p1', source: 'nvd', jobType: 'scan' };
const rules: LimitRule[] = [
  { id: 'per-source', kind: 'rate', tenant: 't1', match: {}, per: ['tenant', 'source'], ratePerSecond: 1, burst: 60 },
  { id: 'nvd', kind: 'rate', tenant: null, match: { source: 'nvd' }, per: [], ratePerSecond: 50, burst: 50 },
  { id: 'opted-out', kind: 'rate', tenant: 't1', match: {}, per: ['source'], ratePerSecond: 1, burst: 1, adaptive: false },
  { id: 'per-tenant', kind: 'rate', tenant: 't1', match: {}, per: ['tenant'], ratePerSecond: 1, burst: 1 },
  { id: 'cap', kind: 'concurrency', tenant: 't1', match: {}, per: ['source'], maxInFlight: 1 },
];
const breaker: BreakerRule = { id: 'b1', tenant: null, match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 2, windowMs: 60_000, openMs: 30_000, halfOpenProbes: 1 };

describe('upstream feedback on the limit state', () => {
  it('targets the source-scoped rate buckets that adapt, not per-tenant ones or those that opted out', () => {
    expect(feedbackTargets(rules, subject).map((t) => t.key)).toEqual(['per-source|tenant=t1|source=nvd', 'nvd']);
    expect(feedbackTargets(rules, { ...subject, source: null })).toEqual([]);
  });

  it('slows those buckets down and reports them touched', () => {
    const r = applyUpstreamFeedbackToLimits({ now: 1_000, rules, subject, feedback: { status: 429, retryAfterMs: 5_000 }, state: emptyLimitState() });
    expect(r.touched).toEqual(['nvd', 'per-source|tenant=t1|source=nvd']);
    expect(r.state.buckets.nvd).toMatchObject({ tokens: 0, adaptive: { factor: 0.5, holdUntil: 6_000 } });
  });

  it('changes nothing for an answer that is not an overload signal', () => {
    const state = emptyLimitState();
    expect(applyUpstreamFeedbackToLimits({ now: 1_000, rules, subject, feedback: { status: 200 }, state })).toEqual({ state, touched: [] });
  });
});

describe('job outcomes on the limit state', () => {
  it('counts an outcome in every breaker of the job and reports transitions with their breaker', () => {
    expect(outcomeTargets([breaker], subject).map((t) => t.key)).toEqual(['b1|source=nvd']);
    let state = emptyLimitState();
    state = recordJobOutcome({ now: 0, breakers: [breaker], subject, outcome: { success: false }, state }).state;
    const r = recordJobOutcome({ now: 10, breakers: [breaker], subject, outcome: { success: false }, state });
    expect(r.touched).toEqual(['b1|source=nvd']);
    expect(r.transitions).toEqual([expect.objectContaining({ ruleId: 'b1', key: 'b1|source=nvd', from: 'closed', to: 'open', at: 10 })]);
    expect(r.state.breakers['b1|source=nvd'].status).toBe('open');
  });

  it('touches nothing for a job no breaker applies to', () => {
    const r = recordJobOutcome({ now: 0, breakers: [{ ...breaker, match: { jobType: 'other' } }], subject, outcome: { success: false }, state: emptyLimitState() });
    expect(r).toEqual({ state: emptyLimitState(), touched: [], transitions: [] });
  });
});
