import type { LimitSubject } from './keys';
import { admissionStateKeys, LimitRuleSet, planSubject } from './plan';

const set: LimitRuleSet = {
  rules: [
    { id: 'r1', kind: 'rate', tenant: 't1', match: {}, per: ['tenant', 'source'], ratePerSecond: 1, burst: 60 },
    { id: 'c1', kind: 'concurrency', tenant: 't1', match: { jobType: 'scan' }, per: ['tenant', 'jobType'], maxInFlight: 5 },
  ],
  quotas: [{ id: 'q1', tenant: 't1', match: {}, per: ['tenant'], maxActive: 10, maxPerHour: 100, maxPerDay: 1_000 }],
  pauses: [{ id: 'p1', tenant: 't1', match: { project: 'frozen' } }],
  breakers: [{ id: 'b1', tenant: null, match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 5, windowMs: 60_000, openMs: 30_000, halfOpenProbes: 1 }],
};

const a: LimitSubject = { tenant: 't1', project: 'p1', source: 'nvd', jobType: 'scan' };
const b: LimitSubject = { tenant: 't1', project: 'frozen', source: 'osv', jobType: 'fetch' };

describe('admission planning', () => {
  it('collects the checks of every rule that applies, day windows before hour windows', () => {
    const plan = planSubject(a, set);
    expect(plan.pauses).toEqual([]);
    expect(plan.breakers.map((x) => x.key)).toEqual(['b1|source=nvd']);
    expect(plan.caps.map((x) => [x.code, x.key, x.max])).toEqual([
      ['concurrency_cap', 'c1|tenant=t1|jobType=scan', 5],
      ['quota_active', 'q1|tenant=t1|@active', 10],
    ]);
    expect(plan.windows.map((x) => [x.code, x.key])).toEqual([
      ['quota_day', 'q1|tenant=t1|@day'],
      ['quota_hour', 'q1|tenant=t1|@hour'],
    ]);
    expect(plan.rates.map((x) => x.key)).toEqual(['r1|tenant=t1|source=nvd']);
    expect(planSubject(b, set).pauses.map((x) => x.key)).toEqual(['p1|tenant=t1|project=frozen']);
  });

  it('lists the state keys to load and lock, per map, sorted and without repeats', () => {
    expect(admissionStateKeys([a, b, a], set)).toEqual({
      buckets: ['r1|tenant=t1|source=nvd', 'r1|tenant=t1|source=osv'],
      inFlight: ['c1|tenant=t1|jobType=scan', 'q1|tenant=t1|@active'],
      usage: ['q1|tenant=t1|@day', 'q1|tenant=t1|@hour'],
      breakers: ['b1|source=nvd', 'b1|source=osv'],
    });
  });

  it('needs no state for a subject no rule applies to', () => {
    expect(admissionStateKeys([{ ...a, tenant: 't9' }], { ...set, breakers: [] })).toEqual({ buckets: [], inFlight: [], usage: [], breakers: [] });
  });
});
