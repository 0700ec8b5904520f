import { parseRetryAfter, RETRY_AFTER_MAX_MS } from './retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('caps at a day', () => {
    expect(parseRetryAfter('999999999', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2027 00:00:00 GMT', now)).toBe(RETRY_AFTER_MAX_MS);
  });

  it('gives undefined for a missing or unreadable value', () => {
    for (const v of [undefined, null, '', '  ', '-5', '1.5', 'soon', '12abc']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});
