import { OrchError } from '@orch/contracts';
import { resolveTenant, tenantSelector } from './tenant';

function outcome(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return `${(err as OrchError).status} ${(err as OrchError).code}`;
  }
}

describe('resolveTenant', () => {
  it.each([
    [[], undefined, '403 forbidden'],
    [[], 'acme', '403 forbidden'],
    [['acme'], undefined, 'acme'],
    [['acme'], 'acme', 'acme'],
    [['acme'], 'globex', '403 forbidden'],
    [['acme', 'globex'], undefined, '400 tenant_required'],
    [['acme', 'globex'], 'globex', 'globex'],
    [['acme', 'globex'], 'initech', '403 forbidden'],
    [['acme'], 'ACME', '400 validation_failed'],
    [['acme', 'globex'], 'a.b', '400 validation_failed'],
    [['acme'], '*', '400 validation_failed'],
  ])('tokens listing %j with selector %p → %s', (tenants, selector, expected) => {
    expect(outcome(() => resolveTenant(tenants, selector))).toBe(expected);
  });
});

describe('tenantSelector', () => {
  it('reads the header, the query, or both when they agree; empty is absent', () => {
    expect(tenantSelector('acme', undefined)).toBe('acme');
    expect(tenantSelector(undefined, 'acme')).toBe('acme');
    expect(tenantSelector(' acme ', 'acme')).toBe('acme');
    expect(tenantSelector('', undefined)).toBeUndefined();
    expect(tenantSelector(undefined, undefined)).toBeUndefined();
  });

  it('refuses disagreement and repeated values', () => {
    expect(outcome(() => tenantSelector('acme', 'globex')!)).toBe('400 validation_failed');
    expect(outcome(() => tenantSelector(['a', 'b'], undefined)!)).toBe('400 validation_failed');
    expect(outcome(() => tenantSelector(undefined, ['a', 'b'])!)).toBe('400 validation_failed');
  });
});
