import { AdmissionInput, evaluateAdmission, LimitCandidate } from './admission';
import { applyUpstreamFeedback } from './bucket';
import type { BreakerRule, ConcurrencyRule, QuotaRule, RateRule } from './rules';
import { emptyLimitState, LimitState, releaseSlots } from './state';

const NOW = Date.UTC(2026, 10, 5, 13, 30);
let seq = 0;
const job = (over: Partial<LimitCandidate> = {}): LimitCandidate => ({
  jobId: `j${++seq}`,
  attempt: 1,
  tenant: 't1',
  project: 'p1',
  source: 'nvd',
  jobType: 'scan',
  priority: 5,
  ...over,
});
const jobs = (n: number, over: Partial<LimitCandidate> = {}): LimitCandidate[] => Array.from({ length: n }, () => job(over));

function evaluate(input: Partial<AdmissionInput> & Pick<AdmissionInput, 'candidates'>) {
  return evaluateAdmission({ now: NOW, state: emptyLimitState(), rules: [], quotas: [], pauses: [], breakers: [], ...input });
}

const perSource: RateRule = { id: 'r1', kind: 'rate', tenant: 't1', match: {}, per: ['tenant', 'source'], ratePerSecond: 1, burst: 3 };
const perJobType: ConcurrencyRule = { id: 'c1', kind: 'concurrency', tenant: 't1', match: {}, per: ['tenant', 'jobType'], maxInFlight: 2 };
const ids = (list: { jobId: string }[]): string[] => list.map((j) => j.jobId);

describe('evaluateAdmission', () => {
  it('admits a job no rule applies to, charging nothing', () => {
    const c = job({ tenant: 't2' });
    const r = evaluate({ candidates: [c], rules: [perSource, perJobType] });
    expect(r.allowed).toEqual([{ jobId: c.jobId, attempt: 1, slotKeys: [], usageKeys: [], rateKeys: [] }]);
    expect(r.throttled).toEqual([]);
    expect(r.touched).toEqual([]);
    expect(r.state).toEqual(emptyLimitState());
  });

  it('admits a rate key’s burst, then holds the rest with staggered next-eligible times', () => {
    const cs = jobs(5);
    const other = job({ source: 'osv' });
    const r = evaluate({ candidates: [...cs, other], rules: [perSource] });
    expect(ids(r.allowed)).toEqual([...ids(cs.slice(0, 3)), other.jobId]);
    expect(r.allowed[0].rateKeys).toEqual(['r1|tenant=t1|source=nvd']);
    expect(r.throttled).toEqual([
      { jobId: cs[3].jobId, attempt: 1, nextEligibleAt: NOW + 1_000, reason: { code: 'rate_limited', ruleId: 'r1', key: 'r1|tenant=t1|source=nvd', detail: 'no token (rate 1/s, burst 3)' } },
      { jobId: cs[4].jobId, attempt: 1, nextEligibleAt: NOW + 2_000, reason: expect.objectContaining({ code: 'rate_limited' }) },
    ]);
    expect(r.touched).toEqual(['r1|tenant=t1|source=nvd', 'r1|tenant=t1|source=osv']);
    expect(r.state.buckets['r1|tenant=t1|source=nvd']).toEqual({ tokens: 0, updatedAt: NOW });
  });

  it('carries taken tokens to the next decision through the returned state', () => {
    const first = evaluate({ candidates: jobs(3), rules: [perSource] });
    expect(evaluate({ now: NOW + 999, state: first.state, candidates: [job()], rules: [perSource] }).allowed).toEqual([]);
    expect(evaluate({ now: NOW + 1_000, state: first.state, candidates: [job()], rules: [perSource] }).allowed).toHaveLength(1);
  });

  it('caps jobs in flight per key, and a released slot admits the next job', () => {
    const cs = jobs(3);
    const fetch = job({ jobType: 'fetch' });
    const r = evaluate({ candidates: [...cs, fetch], rules: [perJobType] });
    expect(ids(r.allowed)).toEqual([cs[0].jobId, cs[1].jobId, fetch.jobId]);
    expect(r.allowed[0].slotKeys).toEqual(['c1|tenant=t1|jobType=scan']);
    expect(r.throttled).toEqual([
      { jobId: cs[2].jobId, attempt: 1, nextEligibleAt: null, reason: { code: 'concurrency_cap', ruleId: 'c1', key: 'c1|tenant=t1|jobType=scan', detail: '2/2 in flight' } },
    ]);
    const released = releaseSlots(r.state, r.allowed[0].slotKeys).state;
    expect(evaluate({ state: released, candidates: [cs[2]], rules: [perJobType] }).allowed).toHaveLength(1);
  });

  it('charges a job refused by a cap nothing: no token is taken', () => {
    const state: LimitState = { ...emptyLimitState(), inFlight: { 'c1|tenant=t1|jobType=scan': 2 } };
    const r = evaluate({ state, candidates: [job()], rules: [perSource, perJobType] });
    expect(r.throttled[0].reason.code).toBe('concurrency_cap');
    expect(r.state.buckets).toEqual({});
    expect(r.touched).toEqual([]);
  });

  it('checks a pause before a breaker, a breaker before caps, caps before quotas, and quotas before rates', () => {
    const breaker: BreakerRule = { id: 'b1', tenant: 't1', match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 1, windowMs: 1_000, openMs: 9_000, halfOpenProbes: 1 };
    const quota: QuotaRule = { id: 'q1', tenant: 't1', match: {}, per: ['tenant'], maxPerHour: 0 };
    const everything = {
      rules: [{ ...perSource, burst: 1 }, perJobType],
      quotas: [quota],
      pauses: [{ id: 'p1', tenant: 't1', match: {} }],
      breakers: [breaker],
      state: {
        ...emptyLimitState(),
        buckets: { 'r1|tenant=t1|source=nvd': { tokens: 0, updatedAt: NOW } },
        inFlight: { 'c1|tenant=t1|jobType=scan': 2 },
        breakers: { 'b1|source=nvd': { status: 'open' as const, since: NOW, openUntil: NOW + 9_000, window: [], probesInFlight: 0, probeSuccesses: 0 } },
      },
    };
    const codeWith = (input: Partial<AdmissionInput>) => evaluate({ ...everything, ...input, candidates: [job()] }).throttled[0].reason.code;
    expect(codeWith({})).toBe('paused');
    expect(codeWith({ pauses: [] })).toBe('breaker_open');
    expect(codeWith({ pauses: [], breakers: [] })).toBe('concurrency_cap');
    expect(codeWith({ pauses: [], breakers: [], rules: [everything.rules[0]] })).toBe('quota_hour');
    expect(codeWith({ pauses: [], breakers: [], rules: [everything.rules[0]], quotas: [] })).toBe('rate_limited');
  });

  it('holds paused work with the pause’s reason, until it lifts', () => {
    const pauses = [
      { id: 'p-src', tenant: 't1', match: { source: 'nvd' }, reason: 'NVD maintenance' },
      { id: 'p-proj', tenant: 't1', match: { project: 'p2' }, until: NOW + 60_000 },
      { id: 'p-old', tenant: 't1', match: { project: 'p3' }, until: NOW },
    ];
    const [a, b, c, d] = [job(), job({ source: 'osv', project: 'p2' }), job({ source: 'osv', project: 'p3' }), job({ source: null })];
    const r = evaluate({ candidates: [a, b, c, d], pauses });
    expect(ids(r.allowed)).toEqual([c.jobId, d.jobId]);
    expect(r.throttled).toEqual([
      { jobId: a.jobId, attempt: 1, nextEligibleAt: null, reason: { code: 'paused', ruleId: 'p-src', key: 'p-src|tenant=t1|source=nvd', detail: 'paused: NVD maintenance' } },
      { jobId: b.jobId, attempt: 1, nextEligibleAt: NOW + 60_000, reason: expect.objectContaining({ code: 'paused', ruleId: 'p-proj' }) },
    ]);
  });

  it('lets a pause over every tenant hold everyone', () => {
    const r = evaluate({ candidates: [job(), job({ tenant: 't2' })], pauses: [{ id: 'all', tenant: null, match: { jobType: 'scan' } }] });
    expect(r.throttled.map((t) => t.reason.key)).toEqual(['all|jobType=scan', 'all|jobType=scan']);
  });

  it('holds jobs while a breaker is open, then admits one probe per slot once the cooldown ends', () => {
    const breaker: BreakerRule = { id: 'b1', tenant: null, match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 1, windowMs: 1_000, openMs: 5_000, halfOpenProbes: 1 };
    const state: LimitState = {
      ...emptyLimitState(),
      breakers: { 'b1|source=nvd': { status: 'open', since: NOW - 5_000, openUntil: NOW, window: [], probesInFlight: 0, probeSuccesses: 0 } },
    };
    const before = evaluate({ now: NOW - 1, state, candidates: [job()], breakers: [breaker] });
    expect(before.throttled[0]).toMatchObject({ nextEligibleAt: NOW, reason: { code: 'breaker_open', key: 'b1|source=nvd' } });
    expect(before.transitions).toEqual([]);

    const [probe, second] = jobs(2);
    const after = evaluate({ now: NOW + 10, state, candidates: [probe, second], breakers: [breaker] });
    expect(after.transitions).toEqual([expect.objectContaining({ ruleId: 'b1', key: 'b1|source=nvd', from: 'open', to: 'half_open', at: NOW })]);
    expect(after.allowed).toEqual([expect.objectContaining({ jobId: probe.jobId, slotKeys: [`b1|source=nvd|@probe:${NOW}`] })]);
    expect(after.throttled[0]).toMatchObject({ jobId: second.jobId, nextEligibleAt: null, reason: { code: 'breaker_open' } });
    expect(after.state.breakers['b1|source=nvd']).toMatchObject({ status: 'half_open', probesInFlight: 1 });
    expect(after.touched).toEqual(['b1|source=nvd']);
    expect(releaseSlots(after.state, after.allowed[0].slotKeys).state.breakers['b1|source=nvd'].probesInFlight).toBe(0);
  });

  it('takes no probe slot for a job another check refuses', () => {
    const breaker: BreakerRule = { id: 'b1', tenant: null, match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 1, windowMs: 1_000, openMs: 5_000, halfOpenProbes: 1 };
    const state: LimitState = {
      ...emptyLimitState(),
      inFlight: { 'c1|tenant=t1|jobType=scan': 2 },
      breakers: { 'b1|source=nvd': { status: 'half_open', since: NOW, openUntil: null, window: [], probesInFlight: 0, probeSuccesses: 0 } },
    };
    const r = evaluate({ state, candidates: [job()], breakers: [breaker], rules: [perJobType] });
    expect(r.throttled[0].reason.code).toBe('concurrency_cap');
    expect(r.state.breakers['b1|source=nvd'].probesInFlight).toBe(0);
  });

  it('enforces quotas per UTC day and hour, naming when each window resets', () => {
    const quota: QuotaRule = { id: 'q1', tenant: 't1', match: {}, per: ['tenant', 'jobType'], maxPerHour: 2, maxPerDay: 3 };
    const first = evaluate({ candidates: jobs(3), quotas: [quota] });
    expect(first.allowed).toHaveLength(2);
    expect(first.allowed[0]).toMatchObject({ slotKeys: [], usageKeys: ['q1|tenant=t1|jobType=scan|@day', 'q1|tenant=t1|jobType=scan|@hour'] });
    expect(first.throttled[0]).toMatchObject({ nextEligibleAt: Date.UTC(2026, 10, 5, 14), reason: { code: 'quota_hour', detail: expect.stringContaining('2/2 this UTC hour') } });

    const nextHour = evaluate({ now: Date.UTC(2026, 10, 5, 14), state: first.state, candidates: jobs(2), quotas: [quota] });
    expect(nextHour.allowed).toHaveLength(1);
    expect(nextHour.throttled[0]).toMatchObject({ nextEligibleAt: Date.UTC(2026, 10, 6), reason: { code: 'quota_day', key: 'q1|tenant=t1|jobType=scan|@day' } });

    const tomorrow = evaluate({ now: Date.UTC(2026, 10, 6, 0, 5), state: nextHour.state, candidates: jobs(1), quotas: [quota] });
    expect(tomorrow.allowed).toHaveLength(1);
  });

  it('names a spent day rather than a spent hour, since the day lasts longer', () => {
    const quota: QuotaRule = { id: 'q1', tenant: 't1', match: {}, per: ['tenant'], maxPerHour: 1, maxPerDay: 1 };
    const r = evaluate({ candidates: jobs(2), quotas: [quota] });
    expect(r.throttled[0].reason.code).toBe('quota_day');
  });

  it('caps active jobs under a quota until one is released', () => {
    const quota: QuotaRule = { id: 'q1', tenant: 't1', match: {}, per: ['tenant'], maxActive: 1 };
    const r = evaluate({ candidates: jobs(2), quotas: [quota] });
    expect(r.allowed[0].slotKeys).toEqual(['q1|tenant=t1|@active']);
    expect(r.throttled[0]).toMatchObject({ nextEligibleAt: null, reason: { code: 'quota_active', key: 'q1|tenant=t1|@active', detail: '1/1 active' } });
    const freed = releaseSlots(r.state, r.allowed[0].slotKeys).state;
    expect(evaluate({ state: freed, candidates: jobs(1), quotas: [quota] }).allowed).toHaveLength(1);
  });

  it('reports upstream backoff while a source is held or slowed by feedback', () => {
    const adaptive: RateRule = { ...perSource, ratePerSecond: 2 };
    const held = applyUpstreamFeedback(undefined, { status: 429, retryAfterMs: 4_000 }, NOW, adaptive);
    const state = { ...emptyLimitState(), buckets: { 'r1|tenant=t1|source=nvd': held } };
    const during = evaluate({ state, candidates: [job()], rules: [adaptive] });
    // After the hold the rate climbs from 1/s by 0.04/s each second: the first token takes ≈ 981 ms.
    expect(during.throttled[0]).toMatchObject({ nextEligibleAt: NOW + 4_000 + 981, reason: { code: 'upstream_backoff', detail: expect.stringContaining('back off until') } });
    const slowed = evaluate({ now: NOW + 4_100, state, candidates: [job()], rules: [adaptive] });
    expect(slowed.throttled[0].reason).toMatchObject({ code: 'upstream_backoff', detail: expect.stringContaining('rate lowered') });
  });

  it('applies source rules to jobs without a source only through an empty source value', () => {
    const nvdOnly: ConcurrencyRule = { ...perJobType, id: 'c-nvd', match: { source: 'nvd' }, maxInFlight: 1 };
    const r = evaluate({ candidates: [job({ source: null })], rules: [nvdOnly, perSource] });
    expect(r.allowed[0]).toMatchObject({ slotKeys: [], rateKeys: ['r1|tenant=t1|source='] });
  });

  it('shares a rule over every tenant between tenants', () => {
    const shared: RateRule = { id: 'g', kind: 'rate', tenant: null, match: { source: 'nvd' }, per: ['source'], ratePerSecond: 1, burst: 1 };
    const [a, b] = [job(), job({ tenant: 't2' })];
    const r = evaluate({ candidates: [a, b], rules: [shared] });
    expect(ids(r.allowed)).toEqual([a.jobId]);
    expect(r.throttled[0].reason.key).toBe('g|source=nvd');
  });

  it('needs a token from every bucket that applies, takes none when one is empty, and names the longest wait', () => {
    const fast: RateRule = { ...perSource, id: 'fast', ratePerSecond: 10, burst: 1 };
    const slow: RateRule = { ...perSource, id: 'slow', per: ['tenant'], ratePerSecond: 0.1, burst: 1 };
    const state = { ...emptyLimitState(), buckets: { 'slow|tenant=t1': { tokens: 0, updatedAt: NOW }, 'fast|tenant=t1|source=nvd': { tokens: 0, updatedAt: NOW } } };
    const r = evaluate({ state, candidates: [job()], rules: [fast, slow] });
    expect(r.throttled[0]).toMatchObject({ nextEligibleAt: NOW + 10_000, reason: { ruleId: 'slow' } });
    const later = evaluate({ now: NOW + 500, state, candidates: [job()], rules: [fast, slow] });
    expect(later.touched).toEqual([]);
    expect(later.state.buckets['fast|tenant=t1|source=nvd']).toEqual({ tokens: 0, updatedAt: NOW });
  });

  it('leaves the state it is given untouched', () => {
    const state = { ...emptyLimitState(), inFlight: { 'c1|tenant=t1|jobType=scan': 1 } };
    const snapshot = JSON.stringify(state);
    evaluate({ state, candidates: jobs(4), rules: [perSource, perJobType] });
    expect(JSON.stringify(state)).toBe(snapshot);
  });
});
