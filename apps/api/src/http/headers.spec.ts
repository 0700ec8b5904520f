import { OrchError } from '@orch/contracts';
import { isJsonContentType, parseIdempotencyKey } from './headers';

function thrown(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    return err as OrchError;
  }
  throw new Error('expected a throw');
}

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
