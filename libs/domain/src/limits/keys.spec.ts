import fc from 'fast-check';
import { LIMIT_DIMS, LimitDim, limitKey, LimitSubject, parseLimitKey, ruleApplies, scopeKey, suffixedKey } from './keys';

const job: LimitSubject = { tenant: 't1', project: 'p1', source: 'nvd', jobType: 'scan' };

describe('rule scope', () => {
  it('applies a tenant rule to that tenant only, and a null-tenant rule to every tenant', () => {
    expect(ruleApplies({ id: 'r', tenant: 't1', match: {} }, job)).toBe(true);
    expect(ruleApplies({ id: 'r', tenant: 't2', match: {} }, job)).toBe(false);
    expect(ruleApplies({ id: 'r', tenant: null, match: {} }, { ...job, tenant: 'anyone' })).toBe(true);
  });

  it('requires every match field to equal the job, and ignores absent ones', () => {
    const rule = { id: 'r', tenant: 't1', match: { project: 'p1', jobType: 'scan' } };
    expect(ruleApplies(rule, job)).toBe(true);
    expect(ruleApplies(rule, { ...job, project: 'p2' })).toBe(false);
    expect(ruleApplies(rule, { ...job, jobType: 'fetch' })).toBe(false);
    expect(ruleApplies({ id: 'r', tenant: 't1', match: { source: 'nvd' } }, { ...job, source: 'osv' })).toBe(false);
  });

  it('lets a job without a source match only rules without a source match', () => {
    expect(ruleApplies({ id: 'r', tenant: 't1', match: { source: 'nvd' } }, { ...job, source: null })).toBe(false);
    expect(ruleApplies({ id: 'r', tenant: 't1', match: { source: '' } }, { ...job, source: undefined })).toBe(false);
    expect(ruleApplies({ id: 'r', tenant: 't1', match: { jobType: 'scan' } }, { ...job, source: null })).toBe(true);
  });
});

describe('limit keys', () => {
  it('puts the rule id first and the per dimensions in canonical order, whatever order per lists them in', () => {
    expect(limitKey('r1', ['source', 'tenant'], job)).toBe('r1|tenant=t1|source=nvd');
    expect(limitKey('r1', ['jobType', 'project', 'source', 'tenant'], job)).toBe('r1|tenant=t1|project=p1|source=nvd|jobType=scan');
  });

  it('is the bare rule id for an empty per (one counter shared by everything the rule matches)', () => {
    expect(limitKey('global', [], job)).toBe('global');
  });

  it('writes a missing source as an empty value', () => {
    expect(limitKey('r1', ['tenant', 'source'], { ...job, source: null })).toBe('r1|tenant=t1|source=');
    expect(limitKey('r1', ['source'], { ...job, source: undefined })).toBe('r1|source=');
  });

  it('escapes separators inside values so keys cannot collide', () => {
    const key = limitKey('r1', ['source', 'jobType'], { ...job, source: 'a|jobType=b', jobType: '100%' });
    expect(key).toBe('r1|source=a%7CjobType%3Db|jobType=100%25');
    expect(parseLimitKey(key)?.dims).toEqual({ source: 'a|jobType=b', jobType: '100%' });
  });

  it('appends suffixes for a rule’s secondary counters and parses them back', () => {
    const key = suffixedKey(limitKey('q1', ['tenant', 'jobType'], job), '@hour');
    expect(key).toBe('q1|tenant=t1|jobType=scan|@hour');
    expect(parseLimitKey(key)).toEqual({ ruleId: 'q1', dims: { tenant: 't1', jobType: 'scan' }, suffix: '@hour' });
  });

  it('rejects strings that are not keys', () => {
    expect(parseLimitKey('')).toBeNull();
    expect(parseLimitKey('r1|colour=red')).toBeNull();
    expect(parseLimitKey('r1|tenant=a|tenant=b')).toBeNull();
    expect(parseLimitKey('r1|@hour|tenant=a')).toBeNull();
    expect(parseLimitKey('r1|tenant')).toBeNull();
  });

  it('round-trips any values through limitKey and parseLimitKey', () => {
    const dims = fc.uniqueArray(fc.constantFrom(...LIMIT_DIMS), { maxLength: 4 });
    // Mostly the characters escaping is about, so escape sequences and look-alikes meet often.
    const text = fc.string({ unit: fc.constantFrom('%', '|', '=', '2', '5', '7', 'C', '3', 'D', 'a', '@') });
    fc.assert(
      fc.property(dims, text, text, fc.option(text), text, (per: LimitDim[], tenant, project, source, jobType) => {
        const subject = { tenant, project, source, jobType };
        const parsed = parseLimitKey(limitKey('r.1:x', per, subject));
        expect(parsed?.ruleId).toBe('r.1:x');
        for (const d of per) expect(parsed?.dims[d]).toBe(d === 'source' ? (source ?? '') : subject[d]);
        expect(Object.keys(parsed?.dims ?? {}).sort()).toEqual([...per].sort());
      }),
    );
  });

  it('names a pause by its tenant and match fields', () => {
    expect(scopeKey({ id: 'p1', tenant: 't1', match: { source: 'nvd' } }, job)).toBe('p1|tenant=t1|source=nvd');
    expect(scopeKey({ id: 'p2', tenant: null, match: {} }, job)).toBe('p2');
  });
});
