import { OrchError } from '@orch/contracts';
import { isJsonContentType, parseIdempotencyKey, parseTenantHeader } from './headers';

function thrown(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    return err as OrchError;
  }
  throw new Error('expected a throw');
}

describe('X-Orch-Tenant', () => {
  it('returns a well-formed tenant', () => expect(parseTenantHeader('acme-1')).toBe('acme-1'));

  it.each([[undefined], ['']])('answers tenant_required (400) when the header is %p', (raw) => {
    expect(thrown(() => parseTenantHeader(raw))).toMatchObject({ code: 'tenant_required', status: 400 });
  });

  it.each([['Acme'], ['a.b'], ['*'], ['a b'], ['x'.repeat(64)], [['t1', 't2']]])('refuses %p as validation_failed naming the header', (raw) => {
    const err = thrown(() => parseTenantHeader(raw));
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(err.errors?.[0].path).toBe('X-Orch-Tenant');
  });

  it('keeps tenant_required in the problem body', () => {
    expect(thrown(() => parseTenantHeader(undefined)).toBody()).toMatchObject({ code: 'tenant_required', status: 400 });
  });
});

describe('Idempotency-Key', () => {
  it('is optional', () => expect(parseIdempotencyKey(undefined)).toBeUndefined());

  it('accepts up to 200 printable ASCII characters', () => {
    expect(parseIdempotencyKey('order-42 / retry #1 ~')).toBe('order-42 / retry #1 ~');
    expect(parseIdempotencyKey('k'.repeat(200))).toHaveLength(200);
  });

  it.each([['k'.repeat(201)], [''], ['tab\there'], ['caf\u00e9'], ['\u0000'], [['a', 'b']]])('refuses %p with validation_failed', (raw) => {
    expect(thrown(() => parseIdempotencyKey(raw))).toMatchObject({ code: 'validation_failed', errors: [{ path: 'Idempotency-Key' }] });
  });
});

describe('JSON content type', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])('accepts %s', (t) => {
    expect(isJsonContentType(t)).toBe(true);
  });

  it.each([undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json'])('refuses %p', (t) => {
    expect(isJsonContentType(t)).toBe(false);
  });
});
