import { ScheduleFieldError, ScheduleSpec, compileSchedule, validateSchedule } from './schedule';

const base: ScheduleSpec = { cron: '30 2 * * *', timeZone: 'Europe/Berlin', misfirePolicy: 'skip' };
const errorsOf = (spec: Partial<ScheduleSpec>): Pick<ScheduleFieldError, 'field' | 'code'>[] => {
  const result = validateSchedule({ ...base, ...spec } as ScheduleSpec);
  return result.ok ? [] : result.errors.map(({ field, code }) => ({ field, code }));
};

describe('validateSchedule', () => {
  it('accepts a schedule, normalising cron whitespace and defaulting maxCatchUp to 10', () => {
    expect(validateSchedule({ ...base, cron: '  */5\t8-18 * *  mon-fri ' })).toEqual({
      ok: true,
      schedule: { cron: '*/5 8-18 * * mon-fri', timeZone: 'Europe/Berlin', misfirePolicy: 'skip', maxCatchUp: 10 },
    });
    expect(validateSchedule({ ...base, misfirePolicy: 'catch_up', maxCatchUp: 1_000 })).toMatchObject({ ok: true, schedule: { maxCatchUp: 1_000 } });
  });

  it.each(['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '@weekdays', '@weekends', '0 0 L * *', '0 9 * * 1#2', '0 0 * mar thu'])(
    'accepts the cron %s',
    (cron) => expect(errorsOf({ cron })).toEqual([]),
  );

  it.each<[string, ScheduleFieldError['code']]>([
    ['', 'required'],
    ['   ', 'required'],
    ['0 2 * *', 'invalid_cron'],
    ['0 0 2 * * * *', 'invalid_cron'],
    ['0 30 2 * * *', 'seconds_not_supported'],
    ['@secondly', 'invalid_cron'],
    ['@every_5m', 'invalid_cron'],
    ['61 * * * *', 'invalid_cron'],
    ['0 0 30 2 *', 'invalid_cron'],
    ['*/0 * * * *', 'invalid_cron'],
    ['H 2 * * *', 'hash_not_supported'],
    ['0 H(0-5) * * *', 'hash_not_supported'],
  ])('refuses the cron %j with %s', (cron, code) => {
    expect(errorsOf({ cron })).toEqual([{ field: 'cron', code }]);
  });

  it('explains a bad cron in its message', () => {
    const result = validateSchedule({ ...base, cron: '61 * * * *' });
    expect(result.ok || result.errors[0].message).toMatch(/invalid cron "61 \* \* \* \*": .*61/);
  });

  it('refuses a missing or unknown time zone and a UTC offset', () => {
    expect(errorsOf({ timeZone: '' })).toEqual([{ field: 'timeZone', code: 'required' }]);
    expect(errorsOf({ timeZone: 'Europe/Atlantis' })).toEqual([{ field: 'timeZone', code: 'unknown_time_zone' }]);
    expect(errorsOf({ timeZone: '+02:00' })).toEqual([{ field: 'timeZone', code: 'unknown_time_zone' }]);
  });

  it('refuses an unknown misfire policy and a maxCatchUp out of 1–1,000, all errors at once', () => {
    expect(errorsOf({ cron: 'nope', timeZone: 'Nowhere', misfirePolicy: 'later' as never, maxCatchUp: 0 })).toEqual([
      { field: 'cron', code: 'invalid_cron' },
      { field: 'timeZone', code: 'unknown_time_zone' },
      { field: 'misfirePolicy', code: 'invalid_value' },
      { field: 'maxCatchUp', code: 'invalid_value' },
    ]);
    expect(errorsOf({ maxCatchUp: 1_001 })).toEqual([{ field: 'maxCatchUp', code: 'invalid_value' }]);
    expect(errorsOf({ maxCatchUp: 2.5 })).toEqual([{ field: 'maxCatchUp', code: 'invalid_value' }]);
  });
});

describe('compileSchedule', () => {
  it('reads the cron on a wall-clock time line and knows whether it allows every hour', () => {
    const daily = compileSchedule(base);
    expect(daily.everyHour).toBe(false);
    expect(new Date(daily.nextWall(Date.parse('2026-03-29T02:30:00Z'))!).toISOString()).toBe('2026-03-30T02:30:00.000Z');
    expect(compileSchedule({ ...base, cron: '*/10 * * * *' }).everyHour).toBe(true);
    expect(compileSchedule({ ...base, cron: '@hourly' }).everyHour).toBe(true);
    expect(compileSchedule({ ...base, cron: '0 0-22 * * *' }).everyHour).toBe(false);
    expect(() => compileSchedule({ ...base, cron: '61 * * * *' })).toThrow(RangeError);
  });
});
