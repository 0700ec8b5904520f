import fc from 'fast-check';
import { isValidTimeZone, nextOffsetChange, recentOffsetChange, zoneOffsetMs } from './time-zone';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('time zone offsets', () => {
  it('reads the UTC offset of a zone at an instant, half-hour and quarter-hour zones included', () => {
    expect(zoneOffsetMs('Europe/Berlin', at('2026-01-15T12:00:00Z'))).toBe(1 * H);
    expect(zoneOffsetMs('Europe/Berlin', at('2026-07-15T12:00:00Z'))).toBe(2 * H);
    expect(zoneOffsetMs('America/New_York', at('2026-01-15T12:00:00Z'))).toBe(-5 * H);
    expect(zoneOffsetMs('Asia/Kathmandu', at('2026-01-15T12:00:00Z'))).toBe(5.75 * H);
    expect(zoneOffsetMs('Australia/Lord_Howe', at('2026-07-15T12:00:00Z'))).toBe(10.5 * H);
    expect(zoneOffsetMs('UTC', at('2026-07-15T12:34:56.789Z'))).toBe(0);
  });

  it('agrees with the offset the runtime prints, at any instant, transitions included', () => {
    const printed = (zone: string, t: number): number => {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(t).find((p) => p.type === 'timeZoneName')!.value;
      const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name)!;
      return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * H + Number(m[3]) * 60_000) : 0;
    };
    const zones = ['Europe/Berlin', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'UTC'];
    const transitions = [at('2026-03-29T01:00:00Z'), at('2026-10-25T01:00:00Z'), at('2026-04-04T15:00:00Z'), at('2026-10-03T15:30:00Z')];
    const instant = fc.oneof(
      fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
      fc.tuple(fc.constantFrom(...transitions), fc.integer({ min: -3_600_000, max: 3_600_000 })).map(([t, d]) => t + d),
    );
    fc.assert(fc.property(fc.constantFrom(...zones), instant, (zone, t) => expect(zoneOffsetMs(zone, t)).toBe(printed(zone, t))), { numRuns: 500 });
  });

  it('finds the exact instant of the next transition, or none', () => {
    const from = at('2026-01-01T00:00:00Z');
    const spring = nextOffsetChange('Europe/Berlin', from, at('2026-12-31T00:00:00Z'));
    expect(new Date(spring!).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(nextOffsetChange('Europe/Berlin', spring!, at('2026-12-31T00:00:00Z'))!).toISOString()).toBe('2026-10-25T01:00:00.000Z');
    expect(nextOffsetChange('Europe/Berlin', from, at('2026-03-29T00:59:59Z'))).toBeNull();
    expect(nextOffsetChange('Asia/Tokyo', from, at('2026-12-31T00:00:00Z'))).toBeNull();
  });

  it('finds the transition that started the current offset only while it is recent', () => {
    expect(recentOffsetChange('Europe/Berlin', at('2026-10-25T01:30:00Z'))).toEqual({ at: at('2026-10-25T01:00:00Z'), before: 2 * H });
    expect(recentOffsetChange('Europe/Berlin', at('2026-10-25T00:59:59Z'))).toBeNull();
    expect(recentOffsetChange('Europe/Berlin', at('2026-11-10T00:00:00Z'))).toBeNull();
  });

  it('accepts IANA names in any case and refuses unknown names and bare offsets', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('europe/berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Etc/GMT+5')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone(' ')).toBe(false);
  });
});
