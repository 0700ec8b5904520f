import { planFires } from './fire-plan';

const MIN = 60_000;
const at = (iso: string) => new Date(iso);
const row = (over: Partial<Parameters<typeof planFires>[0]> = {}): Parameters<typeof planFires>[0] => ({
  cron: '*/10 * * * *',
  timeZone: 'Europe/Berlin',
  misfirePolicy: 'skip',
  maxCatchUp: 3,
  createdAt: at('2026-12-07T08:00:30Z'),
  lastFireAt: null,
  resumedAt: null,
  ...over,
});

describe('planFires', () => {
  it('asks for nothing before the first slot and for the one slot once it has come', () => {
    expect(planFires(row(), at('2026-12-07T08:09:59Z'))).toEqual({ fireTimes: [], dropped: 0, droppedCapped: false });
    expect(planFires(row(), at('2026-12-07T08:10:00Z')).fireTimes).toEqual(['2026-12-07T08:10:00.000Z']);
  });

  it('starts after the last fire, so a slot that fired is never asked for again', () => {
    const fired = row({ lastFireAt: at('2026-12-07T08:10:00Z') });
    expect(planFires(fired, at('2026-12-07T08:15:00Z')).fireTimes).toEqual([]);
    expect(planFires(fired, at('2026-12-07T08:20:01Z')).fireTimes).toEqual(['2026-12-07T08:20:00.000Z']);
  });

  it('after downtime fires only the newest missed slot with skip, counting the others', () => {
    expect(planFires(row(), at('2026-12-07T09:05:00Z'))).toEqual({ fireTimes: ['2026-12-07T09:00:00.000Z'], dropped: 5, droppedCapped: false });
  });

  it('after downtime fires the newest maxCatchUp missed slots in order with catch_up', () => {
    expect(planFires(row({ misfirePolicy: 'catch_up' }), at('2026-12-07T09:05:00Z'))).toEqual({
      fireTimes: ['2026-12-07T08:40:00.000Z', '2026-12-07T08:50:00.000Z', '2026-12-07T09:00:00.000Z'],
      dropped: 3,
      droppedCapped: false,
    });
    const short = planFires(row({ misfirePolicy: 'catch_up' }), at('2026-12-07T08:25:00Z'));
    expect(short).toEqual({ fireTimes: ['2026-12-07T08:10:00.000Z', '2026-12-07T08:20:00.000Z'], dropped: 0, droppedCapped: false });
  });

  it('never catches up the slots of a pause: firing restarts after the resume', () => {
    const resumed = row({ misfirePolicy: 'catch_up', lastFireAt: at('2026-12-07T08:10:00Z'), resumedAt: at('2026-12-07T08:55:00Z') });
    expect(planFires(resumed, at('2026-12-07T09:00:00Z')).fireTimes).toEqual(['2026-12-07T09:00:00.000Z']);
  });

  it('gives every replica the same slots for the same row, whenever within the slot it ticks', () => {
    const r = row({ misfirePolicy: 'catch_up', lastFireAt: at('2026-12-07T08:10:00Z') });
    const base = at('2026-12-07T08:30:00Z').getTime();
    const plans = [0, 1, 250, 999, 9 * MIN].map((d) => planFires(r, new Date(base + d)).fireTimes);
    for (const p of plans) expect(p).toEqual(['2026-12-07T08:20:00.000Z', '2026-12-07T08:30:00.000Z']);
  });
});
