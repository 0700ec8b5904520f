import { validateBreakerRule, validateLimitRule, validatePauseRule, validateQuotaRule, validateRuleSet } from './validation';

const rate = { id: 'r1', kind: 'rate', tenant: 't1', match: { source: 'nvd' }, per: ['tenant', 'source'], ratePerSecond: 1, burst: 60 };
const cap = { id: 'c1', kind: 'concurrency', tenant: null, match: {}, per: ['jobType'], maxInFlight: 5 };
const quota = { id: 'q1', tenant: 't1', match: {}, per: ['tenant', 'jobType'], maxActive: 3, maxPerHour: 100 };
const pause = { id: 'p1', tenant: 't1', match: { project: 'p1' }, reason: 'audit' };
const breaker = { id: 'b1', tenant: 't1', match: {}, per: ['source'], failureRateThreshold: 0.5, minOutcomes: 10, windowMs: 60_000, openMs: 30_000, halfOpenProbes: 2 };
const fields = (errors: { field: string }[]): string[] => errors.map((e) => e.field);

describe('rule validation', () => {
  it('accepts well-formed rules', () => {
    expect(validateLimitRule(rate)).toEqual([]);
    expect(validateLimitRule({ ...rate, adaptive: { decreaseFactor: 0.7, minFactor: 1 } })).toEqual([]);
    expect(validateLimitRule({ ...rate, adaptive: false })).toEqual([]);
    expect(validateLimitRule(cap)).toEqual([]);
    expect(validateQuotaRule(quota)).toEqual([]);
    expect(validatePauseRule(pause)).toEqual([]);
    expect(validatePauseRule({ ...pause, until: 1_800_000_000_000 })).toEqual([]);
    expect(validateBreakerRule(breaker)).toEqual([]);
    expect(validateBreakerRule({ ...breaker, windowBuckets: 60 })).toEqual([]);
  });

  it('requires a positive rate and a burst of at least one', () => {
    expect(validateLimitRule({ ...rate, ratePerSecond: 0, burst: 0.5 })).toEqual([
      { field: 'ratePerSecond', message: 'must be > 0' },
      { field: 'burst', message: 'must be ≥ 1' },
    ]);
    expect(fields(validateLimitRule({ ...rate, ratePerSecond: Number.POSITIVE_INFINITY, burst: '5' }))).toEqual(['ratePerSecond', 'burst']);
  });

  it('requires maxInFlight to be an integer of at least one', () => {
    expect(validateLimitRule({ ...cap, maxInFlight: 2.5 })).toEqual([{ field: 'maxInFlight', message: 'must be an integer' }]);
    expect(validateLimitRule({ ...cap, maxInFlight: 0 })).toEqual([{ field: 'maxInFlight', message: 'must be ≥ 1' }]);
  });

  it('requires per dimensions to be known and unique', () => {
    expect(validateLimitRule({ ...rate, per: ['tenant', 'colour', 'tenant'] })).toEqual([
      { field: 'per[1]', message: 'must be one of tenant, project, source, jobType' },
      { field: 'per[2]', message: 'repeats tenant' },
    ]);
    expect(fields(validateLimitRule({ ...rate, per: 'tenant' }))).toEqual(['per']);
  });

  it('checks the id, tenant, kind and match fields', () => {
    expect(fields(validateLimitRule({ ...rate, id: 'a|b', tenant: '', kind: 'leaky' }))).toEqual(['id', 'tenant', 'kind']);
    expect(fields(validateLimitRule({ ...rate, match: { source: '', colour: 'red' } }))).toEqual(['match.source', 'match.colour']);
    expect(fields(validateLimitRule({ ...rate, match: null }))).toEqual(['match']);
    expect(validateLimitRule('nope')).toEqual([{ field: '(rule)', message: 'must be an object' }]);
  });

  it('checks adaptive settings are in range and known', () => {
    expect(fields(validateLimitRule({ ...rate, adaptive: { decreaseFactor: 1, minFactor: 0, recoveryPerSecond: -1, maxHoldMs: -1, speed: 3 } }))).toEqual([
      'adaptive.speed',
      'adaptive.decreaseFactor',
      'adaptive.minFactor',
      'adaptive.recoveryPerSecond',
      'adaptive.maxHoldMs',
    ]);
    expect(fields(validateLimitRule({ ...rate, adaptive: true }))).toEqual(['adaptive']);
  });

  it('requires a quota to set some limit, each a whole number', () => {
    expect(fields(validateQuotaRule({ ...quota, maxActive: null, maxPerHour: undefined }))).toEqual(['maxActive']);
    expect(validateQuotaRule({ ...quota, maxPerDay: 0 })).toEqual([]);
    expect(fields(validateQuotaRule({ ...quota, maxPerDay: -1, maxPerHour: 1.5 }))).toEqual(['maxPerHour', 'maxPerDay']);
  });

  it('bounds a pause’s reason and until', () => {
    expect(fields(validatePauseRule({ ...pause, reason: 'x'.repeat(257), until: 'tomorrow' }))).toEqual(['reason', 'until']);
  });

  it('checks breaker thresholds and timings', () => {
    expect(fields(validateBreakerRule({ ...breaker, failureRateThreshold: 1.5, minOutcomes: 0, windowMs: 0, openMs: 1.5, halfOpenProbes: 0 }))).toEqual([
      'failureRateThreshold',
      'minOutcomes',
      'windowMs',
      'openMs',
      'halfOpenProbes',
    ]);
    expect(fields(validateBreakerRule({ ...breaker, windowBuckets: 61 }))).toEqual(['windowBuckets']);
    expect(fields(validateBreakerRule({ ...breaker, windowMs: 5, windowBuckets: 10 }))).toEqual(['windowBuckets']);
  });

  it('prefixes a rule set’s errors with where they are, and refuses an id used twice across kinds', () => {
    const errors = validateRuleSet({ rules: [rate, { ...cap, maxInFlight: 0 }] as never, quotas: [quota] as never, pauses: [{ ...pause, id: 'r1' }] as never, breakers: [breaker] as never });
    expect(errors).toEqual([
      { field: 'rules[1].maxInFlight', message: 'must be ≥ 1' },
      { field: 'pauses[0].id', message: 'repeats the id of rules[0]' },
    ]);
  });
});
