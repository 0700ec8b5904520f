import { deprecationHeaders, LEGACY_DETAIL_DEPRECATED_AT, parseSunset } from './deprecation';

describe('legacy route headers', () => {
  it('dates Deprecation in the RFC 9745 form, Sunset as an HTTP-date, and links the successor', () => {
    expect(
      deprecationHeaders({ deprecatedAt: LEGACY_DETAIL_DEPRECATED_AT, sunset: parseSunset('2027-06-30')!, successor: '/api/v1/jobs/0192f0a0-0000-7000-8000-00000000a001' }),
    ).toEqual({
      Deprecation: '@1795392000',
      Sunset: 'Wed, 30 Jun 2027 00:00:00 GMT',
      Link: '</api/v1/jobs/0192f0a0-0000-7000-8000-00000000a001>; rel="successor-version"',
    });
  });

  it('reads a sunset date-time with an offset', () => {
    expect(parseSunset('2027-06-30T12:00:00+02:00')?.toISOString()).toBe('2027-06-30T10:00:00.000Z');
  });

  it.each(['2027-02-30', '30/06/2027', '2027-06-30T12:00:00', 'tomorrow', ''])('refuses the sunset %p', (value) => {
    expect(parseSunset(value)).toBeUndefined();
  });
});
