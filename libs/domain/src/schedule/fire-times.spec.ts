import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { nextFireTime, nextFireTimes } from './fire-times';
import { nextOffsetChange, zoneOffsetMs } from './time-zone';

const MIN = 60_000;
const H = 60 * MIN;
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const berlin = (cron: string) => ({ cron, timeZone: 'Europe/Berlin' });

describe('nextFireTimes', () => {
  it('reads the cron in the schedule time zone', () => {
    expect(iso(nextFireTimes({ cron: '0 9 * * 1-5', timeZone: 'America/New_York' }, new Date('2026-01-02T15:00:00Z'), 2))).toEqual([
      '2026-01-05T14:00:00.000Z',
      '2026-01-06T14:00:00.000Z',
    ]);
    expect(iso(nextFireTimes({ cron: '0 0 29 2 *', timeZone: 'UTC' }, Date.parse('2026-01-01T00:00:00Z'), 2))).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
  });

  it('counts strictly after the given instant', () => {
    const fire = Date.parse('2026-01-05T01:30:00Z');
    expect(nextFireTime(berlin('30 2 * * *'), fire)!.toISOString()).toBe('2026-01-06T01:30:00.000Z');
    expect(nextFireTime(berlin('30 2 * * *'), fire - 1)!.toISOString()).toBe('2026-01-05T01:30:00.000Z');
    expect(nextFireTimes(berlin('* * * * *'), fire, 0)).toEqual([]);
    expect(() => nextFireTimes(berlin('* * * * *'), fire, 1_001)).toThrow(RangeError);
    expect(() => nextFireTime(berlin('* * * * *'), new Date('nope'))).toThrow(RangeError);
  });

  describe('Europe/Berlin spring forward (29 Mar 2026, 02:00 CET → 03:00 CEST)', () => {
    it('fires a daily 02:30 once, at 03:30 CEST, the instant 02:30 CET would have been', () => {
      expect(iso(nextFireTimes(berlin('30 2 * * *'), new Date('2026-03-27T12:00:00Z'), 3))).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:30:00.000Z', // 03:30 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
      ]);
    });

    it('gives the same answer whatever instant it starts from', () => {
      for (const start of ['2026-03-28T23:00:00Z', '2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-03-29T01:29:59Z']) {
        expect(nextFireTime(berlin('30 2 * * *'), new Date(start))!.toISOString()).toBe('2026-03-29T01:30:00.000Z');
      }
      expect(nextFireTime(berlin('30 2 * * *'), new Date('2026-03-29T01:30:00Z'))!.toISOString()).toBe('2026-03-30T00:30:00.000Z');
    });

    it('merges a shifted slot with a slot that already falls on that instant', () => {
      // 02:00 and 02:30 do not exist; shifted they coincide with 03:00 and 03:30.
      expect(iso(nextFireTimes(berlin('0,30 1-3 * * *'), new Date('2026-03-29T00:00:00Z'), 4))).toEqual([
        '2026-03-29T00:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-29T23:00:00.000Z',
      ]);
    });

    it('keeps the real-time cadence of a cron that allows every hour', () => {
      expect(iso(nextFireTimes(berlin('*/30 * * * *'), new Date('2026-03-29T00:00:00Z'), 3))).toEqual([
        '2026-03-29T00:30:00.000Z', // 01:30 CET
        '2026-03-29T01:00:00.000Z', // 03:00 CEST
        '2026-03-29T01:30:00.000Z',
      ]);
    });
  });

  describe('Europe/Berlin fall back (25 Oct 2026, 03:00 CEST → 02:00 CET)', () => {
    it('fires a daily 02:30 once, on the first pass', () => {
      expect(iso(nextFireTimes(berlin('30 2 * * *'), new Date('2026-10-24T12:00:00Z'), 2))).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-26T01:30:00.000Z', // 02:30 CET, next day
      ]);
      for (const start of ['2026-10-25T00:30:00Z', '2026-10-25T01:00:00Z', '2026-10-25T01:29:00Z']) {
        expect(nextFireTime(berlin('30 2 * * *'), new Date(start))!.toISOString()).toBe('2026-10-26T01:30:00.000Z');
      }
    });

    it('fires a cron that allows every hour on both passes of the repeated hour', () => {
      expect(iso(nextFireTimes(berlin('30 * * * *'), new Date('2026-10-25T00:00:00Z'), 3))).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T01:30:00.000Z', // 02:30 CET
        '2026-10-25T02:30:00.000Z', // 03:30 CET
      ]);
      expect(nextFireTime(berlin('30 * * * *'), new Date('2026-10-25T01:10:00Z'))!.toISOString()).toBe('2026-10-25T01:30:00.000Z');
    });
  });

  it('handles a half-hour shift (Lord Howe) and a skipped day (Samoa, 30 Dec 2011)', () => {
    expect(nextFireTime({ cron: '15 2 * * *', timeZone: 'Australia/Lord_Howe' }, new Date('2026-10-03T12:00:00Z'))!.toISOString()).toBe(
      '2026-10-03T15:45:00.000Z', // 02:45 +11, 02:15 +10:30 shifted by the half-hour gap
    );
    expect(iso(nextFireTimes({ cron: '0 12 * * *', timeZone: 'Pacific/Apia' }, new Date('2011-12-29T00:00:00Z'), 3))).toEqual([
      '2011-12-29T22:00:00.000Z', // 29 Dec 12:00 −10
      '2011-12-30T22:00:00.000Z', // 31 Dec 12:00 +14: 30 Dec 12:00 (skipped) merged into it
      '2011-12-31T22:00:00.000Z',
    ]);
  });
});

/**
 * Brute-force oracle: walk every minute and apply the documented rules directly — a slot fires
 * where the wall clock first shows it (or on every pass for a cron allowing every hour), and a
 * slot skipped by a spring-forward fires at its wall time shifted by the gap.
 */
function oracle(cron: string, zone: string, from: number, to: number): number[] {
  const expr = CronExpressionParser.parse(cron, { tz: 'UTC' });
  const everyHour = expr.fields.hour.values.length === 24;
  const matches = (wall: number) => expr.includesDate(new Date(wall));
  const seen = new Set<number>();
  const fires: number[] = [];
  for (let x = Math.ceil((from - 26 * H) / MIN) * MIN; x <= to; x += MIN) {
    const offset = zoneOffsetMs(zone, x);
    const wall = x + offset;
    const firstPass = !seen.has(wall);
    seen.add(wall);
    const gap = offset - zoneOffsetMs(zone, x - 6 * H);
    const shifted = !everyHour && gap > 0 && zoneOffsetMs(zone, x - gap) !== offset && matches(wall - gap);
    if (x > from && ((matches(wall) && (everyHour || firstPass)) || shifted)) fires.push(x);
  }
  return fires;
}

describe('nextFireTimes against a minute-by-minute oracle around real transitions', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kolkata'];
  const transitions = zones.flatMap((zone) => {
    const found: [string, number][] = [];
    for (let t: number | null = Date.parse('2026-01-01T00:00:00Z'); ; ) {
      t = nextOffsetChange(zone, t, Date.parse('2027-01-01T00:00:00Z'));
      found.push([zone, t ?? Date.parse('2026-06-01T00:00:00Z')]);
      if (t === null) break;
    }
    return found;
  });
  const cron = fc
    .tuple(
      fc.constantFrom('0', '30', '15', '0,30', '*/20', '*/7', '45'),
      fc.constantFrom('*', '2', '1-3', '*/2', '0,2,3', '0', '23', '3'),
      fc.constantFrom('*', '*', '1-10,20-31', '4,5'),
      fc.constantFrom('*', '*', '0', '1-5'),
    )
    .map((fields) => `${fields[0]} ${fields[1]} ${fields[2]} * ${fields[3]}`);

  it('finds exactly the oracle fire times, strictly increasing, from any start', () => {
    fc.assert(
      fc.property(cron, fc.constantFrom(...transitions), fc.integer({ min: -30 * 60, max: 6 * 60 }), (c, [zone, transition], offsetMin) => {
        const from = transition + offsetMin * MIN - 17_000;
        const to = from + 40 * H;
        const expected = oracle(c, zone, from, to);
        const actual = nextFireTimes({ cron: c, timeZone: zone }, from, expected.length + 1).map((d) => d.getTime());
        actual.slice(1).forEach((t, i) => expect(t).toBeGreaterThan(actual[i]));
        expect(actual.filter((t) => t <= to).map((t) => new Date(t).toISOString())).toEqual(expected.map((t) => new Date(t).toISOString()));
        for (const probe of [from + 7 * H + 123, from + 20 * H, expected[0] ?? from]) {
          const next = expected.find((t) => t > probe);
          if (next !== undefined) expect(nextFireTime({ cron: c, timeZone: zone }, probe)!.getTime()).toBe(next);
        }
      }),
      { numRuns: 60 },
    );
  });
});
