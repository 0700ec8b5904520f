import { fireId } from './fire-id';

describe('fireId', () => {
  it('is the schedule id and the fire time in ISO-8601 UTC, whatever form the time comes in', () => {
    const at = new Date('2026-03-29T01:30:00Z');
    expect(fireId('sch_42', at)).toBe('sch_42@2026-03-29T01:30:00.000Z');
    expect(fireId('sch_42', at.getTime())).toBe(fireId('sch_42', new Date(at)));
  });

  it('differs between schedules and between fire times', () => {
    const at = Date.parse('2026-10-25T00:30:00Z');
    const ids = new Set([fireId('a', at), fireId('b', at), fireId('a', at + 3_600_000)]);
    expect(ids.size).toBe(3);
  });

  it('refuses an empty schedule id or an invalid time', () => {
    expect(() => fireId('', 0)).toThrow(RangeError);
    expect(() => fireId('a', new Date('nope'))).toThrow(RangeError);
    expect(() => fireId('a', Number.NaN)).toThrow(RangeError);
  });
});
