import fc from 'fast-check';
import { nextFireTimes } from './fire-times';
import { dueFires, fireAnchor } from './misfire';
import { MisfirePolicy, Schedule } from './schedule';

const MIN = 60_000;
const H = 60 * MIN;
const at = (s: string) => Date.parse(s);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const hourly = (misfirePolicy: MisfirePolicy, maxCatchUp = 10): Schedule => ({ cron: '0 * * * *', timeZone: 'UTC', misfirePolicy, maxCatchUp });

describe('dueFires', () => {
  it('fires the time that just came due, once, and tells the next one', () => {
    const due = dueFires(hourly('skip'), at('2026-05-01T10:00:00Z'), at('2026-05-01T11:00:02Z'));
    expect(due).toEqual({ fires: [new Date('2026-05-01T11:00:00Z')], dropped: 0, droppedCapped: false, nextFireAt: new Date('2026-05-01T12:00:00Z') });
    expect(dueFires(hourly('skip'), at('2026-05-01T11:00:00Z'), at('2026-05-01T11:59:59Z'))).toMatchObject({ fires: [], dropped: 0 });
  });

  it('never fires a time at or before the anchor, and nothing when the anchor is ahead of now', () => {
    expect(dueFires(hourly('catch_up'), at('2026-05-01T11:00:00Z'), at('2026-05-01T11:00:00Z')).fires).toEqual([]);
    const ahead = dueFires(hourly('catch_up'), at('2026-05-01T12:00:00Z'), at('2026-05-01T11:59:00Z'));
    expect(ahead).toEqual({ fires: [], dropped: 0, droppedCapped: false, nextFireAt: new Date('2026-05-01T13:00:00Z') });
  });

  it('under "skip", fires only the most recent missed time after downtime and counts the rest', () => {
    const due = dueFires(hourly('skip'), at('2026-05-01T06:00:00Z'), at('2026-05-01T11:20:00Z'));
    expect(iso(due.fires)).toEqual(['2026-05-01T11:00:00.000Z']);
    expect(due.dropped).toBe(4);
  });

  it('under "catch_up", fires the missed times in order, at most maxCatchUp, dropping and counting older ones', () => {
    const since = at('2026-05-01T06:00:00Z');
    const now = at('2026-05-01T11:20:00Z');
    const capped = dueFires(hourly('catch_up', 3), since, now);
    expect(iso(capped.fires)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z']);
    expect(capped.dropped).toBe(2);
    const all = dueFires(hourly('catch_up'), since, now);
    expect(all.fires).toHaveLength(5);
    expect(all.dropped).toBe(0);
  });

  it('stops counting dropped times at the limit after a very long downtime', () => {
    const everyMinute: Schedule = { cron: '* * * * *', timeZone: 'Europe/Berlin', misfirePolicy: 'catch_up', maxCatchUp: 2 };
    const since = at('2026-01-01T00:00:00Z');
    const now = at('2026-01-08T00:00:30Z');
    expect(dueFires(everyMinute, since, now, { countLimit: 50 })).toMatchObject({
      fires: [new Date('2026-01-07T23:59:00Z'), new Date('2026-01-08T00:00:00Z')],
      dropped: 50,
      droppedCapped: true,
    });
    const year = dueFires({ ...everyMinute, misfirePolicy: 'skip' }, since, at('2027-01-01T00:00:00Z'));
    expect(year).toMatchObject({ fires: [new Date('2027-01-01T00:00:00Z')], dropped: 1_000, droppedCapped: true });
  });

  it.each(['skip', 'catch_up'] as const)('under "%s", ticking every minute through both DST nights fires a daily 02:30 Berlin once a day', (policy) => {
    const schedule: Schedule = { cron: '30 2 * * *', timeZone: 'Europe/Berlin', misfirePolicy: policy, maxCatchUp: 10 };
    for (const [from, expected] of [
      ['2026-03-28T12:00:00Z', ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']],
      ['2026-10-24T12:00:00Z', ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
    ] as const) {
      const fired: Date[] = [];
      let anchor = at(from);
      for (let now = anchor, end = anchor + 40 * H; now <= end; now += MIN) {
        const due = dueFires(schedule, anchor, now);
        fired.push(...due.fires);
        if (due.fires.length > 0) anchor = due.fires[due.fires.length - 1].getTime();
      }
      expect(iso(fired)).toEqual(expected);
    }
  });

  it('catches up on a downtime across the fall-back night without firing the repeated 02:30 twice', () => {
    const schedule: Schedule = { cron: '30 2 * * *', timeZone: 'Europe/Berlin', misfirePolicy: 'catch_up', maxCatchUp: 10 };
    const due = dueFires(schedule, at('2026-10-23T12:00:00Z'), at('2026-10-26T12:00:00Z'));
    expect(iso(due.fires)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('over any sequence of ticks fires each time at most once, in order, and accounts for every due time', () => {
    const scenario = fc.record({
      cron: fc.constantFrom('*/7 * * * *', '30 2 * * *', '0 */3 * * *', '15,45 1-3 * * 0,6'),
      timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'),
      misfirePolicy: fc.constantFrom<MisfirePolicy>('skip', 'catch_up'),
      maxCatchUp: fc.integer({ min: 1, max: 4 }),
      start: fc.integer({ min: at('2026-03-01T00:00:00Z'), max: at('2026-11-30T00:00:00Z') }),
      gaps: fc.array(fc.integer({ min: 0, max: 8 * H }), { minLength: 1, maxLength: 12 }),
    });
    fc.assert(
      fc.property(scenario, ({ start, gaps, ...schedule }) => {
        const fired: number[] = [];
        let dropped = 0;
        let anchor = start;
        let now = start;
        for (const gap of gaps) {
          now += gap;
          const due = dueFires(schedule, anchor, now);
          const times = due.fires.map((d) => d.getTime());
          expect(times.length).toBeLessThanOrEqual(schedule.misfirePolicy === 'skip' ? 1 : schedule.maxCatchUp);
          for (const t of times) expect(t).toBeLessThanOrEqual(now);
          expect(due.nextFireAt!.getTime()).toBeGreaterThan(now);
          fired.push(...times);
          dropped += due.dropped;
          if (times.length > 0) anchor = times[times.length - 1];
        }
        fired.slice(1).forEach((t, i) => expect(t).toBeGreaterThan(fired[i]));
        // Every due time was either fired or counted as dropped.
        const upcoming = nextFireTimes(schedule, start, fired.length + dropped + 1).map((d) => d.getTime());
        expect(upcoming.filter((t) => t <= now)).toHaveLength(fired.length + dropped);
        for (const t of fired) expect(upcoming).toContain(t);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fireAnchor', () => {
  it('starts from the latest of creation, last firing and resumption', () => {
    expect(fireAnchor({ createdAt: 5, lastFiredAt: null })).toEqual(new Date(5));
    expect(fireAnchor({ createdAt: new Date(5), lastFiredAt: 9, resumedAt: 7 })).toEqual(new Date(9));
    expect(fireAnchor({ createdAt: 5, lastFiredAt: 9, resumedAt: new Date(12) })).toEqual(new Date(12));
  });

  it('keeps fire times that fell in a pause from being caught up after resume', () => {
    const schedule = hourly('catch_up');
    const anchor = fireAnchor({ createdAt: at('2026-05-01T00:00:00Z'), lastFiredAt: at('2026-05-01T06:00:00Z'), resumedAt: at('2026-05-01T10:30:00Z') });
    expect(iso(dueFires(schedule, anchor, at('2026-05-01T11:00:05Z')).fires)).toEqual(['2026-05-01T11:00:00.000Z']);
  });
});
