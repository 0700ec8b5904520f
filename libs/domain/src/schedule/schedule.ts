import { CronExpression, CronExpressionParser } from 'cron-parser';
import { isValidTimeZone } from './time-zone';

/**
 * What happens to fire times missed while no scheduler ran (see `dueFires`):
 * - `skip`: the most recent missed time fires once, late; older ones are dropped (and counted).
 * - `catch_up`: the missed times fire in order, at most `maxCatchUp` of them (the most recent);
 *   older ones are dropped (and counted).
 */
export const MisfirePolicy = { skip: 'skip', catchUp: 'catch_up' } as const;
export type MisfirePolicy = (typeof MisfirePolicy)[keyof typeof MisfirePolicy];

/** Default of {@link ScheduleSpec.maxCatchUp}. */
export const SCHEDULE_MAX_CATCH_UP_DEFAULT = 10;
/** Largest accepted {@link ScheduleSpec.maxCatchUp}. */
export const SCHEDULE_MAX_CATCH_UP_LIMIT = 1_000;

/** A recurring schedule as a client declares it. */
export interface ScheduleSpec {
  /**
   * Standard 5-field cron (`minute hour day-of-month month day-of-week`, names such as `mon`/`jan`,
   * `L` and `#` allowed, day-of-month and day-of-week OR-ed as in Vixie cron) or a macro
   * (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`/`@annually`, `@weekdays`, `@weekends`).
   * A seconds field is refused: schedules have minute precision. `H` (hashed values) is refused:
   * it would differ between scheduler replicas.
   */
  cron: string;
  /** IANA time zone the cron fields are read in, e.g. `Europe/Berlin`. */
  timeZone: string;
  misfirePolicy: MisfirePolicy;
  /** For `catch_up`: most missed times fired after downtime (1–1,000, default 10). */
  maxCatchUp?: number;
}

/** A validated schedule (cron whitespace normalised, `maxCatchUp` filled in). */
export interface Schedule {
  readonly cron: string;
  readonly timeZone: string;
  readonly misfirePolicy: MisfirePolicy;
  readonly maxCatchUp: number;
}

/** A field of a {@link ScheduleSpec} that is wrong, with a stable code. */
export interface ScheduleFieldError {
  field: keyof ScheduleSpec;
  code: 'required' | 'invalid_cron' | 'seconds_not_supported' | 'hash_not_supported' | 'unknown_time_zone' | 'invalid_value';
  message: string;
}

/** Outcome of {@link validateSchedule}. */
export type ScheduleValidation = { ok: true; schedule: Schedule } | { ok: false; errors: ScheduleFieldError[] };

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@weekdays', '@weekends'];

/** Checks every field of a schedule and reports all errors at once. */
export function validateSchedule(spec: ScheduleSpec): ScheduleValidation {
  const errors: ScheduleFieldError[] = [];
  const cron = typeof spec.cron === 'string' ? spec.cron.trim().split(/\s+/).join(' ') : '';
  const cronError = cron === '' ? { code: 'required' as const, message: 'cron is required' } : checkCron(cron);
  if (cronError) errors.push({ field: 'cron', ...cronError });

  if (typeof spec.timeZone !== 'string' || spec.timeZone.trim() === '') {
    errors.push({ field: 'timeZone', code: 'required', message: 'timeZone is required (an IANA name such as "Europe/Berlin")' });
  } else if (!isValidTimeZone(spec.timeZone)) {
    errors.push({ field: 'timeZone', code: 'unknown_time_zone', message: `unknown time zone "${spec.timeZone}": use an IANA name such as "Europe/Berlin"` });
  }
  const policies: unknown[] = Object.values(MisfirePolicy);
  if (!policies.includes(spec.misfirePolicy)) {
    errors.push({ field: 'misfirePolicy', code: 'invalid_value', message: `misfirePolicy must be one of ${policies.join(', ')}` });
  }
  const maxCatchUp = spec.maxCatchUp ?? SCHEDULE_MAX_CATCH_UP_DEFAULT;
  if (!Number.isInteger(maxCatchUp) || maxCatchUp < 1 || maxCatchUp > SCHEDULE_MAX_CATCH_UP_LIMIT) {
    errors.push({ field: 'maxCatchUp', code: 'invalid_value', message: `maxCatchUp must be an integer from 1 to ${SCHEDULE_MAX_CATCH_UP_LIMIT}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, schedule: { cron, timeZone: spec.timeZone, misfirePolicy: spec.misfirePolicy, maxCatchUp } };
}

function checkCron(cron: string): Pick<ScheduleFieldError, 'code' | 'message'> | null {
  if (cron.startsWith('@')) {
    if (MACROS.includes(cron)) return null;
    return { code: 'invalid_cron', message: `unknown cron macro "${cron}"; use one of ${MACROS.join(', ')}` };
  }
  const fields = cron.split(' ');
  if (fields.length === 6) return { code: 'seconds_not_supported', message: 'cron has 6 fields: a seconds field is not supported, use 5 fields (minute precision)' };
  if (fields.length !== 5) return { code: 'invalid_cron', message: `cron needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}` };
  // Month and weekday names (mar, thu, …) may contain an H; hashed values are whatever H is left.
  if (fields.some((f) => /h/i.test(f.replace(/[a-z]{3}/gi, '')))) {
    return { code: 'hash_not_supported', message: 'cron hashed values (H) are not supported' };
  }
  try {
    // Parsing alone misses impossible dates that only iteration finds.
    CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: 0 }).next();
    return null;
  } catch (err) {
    return { code: 'invalid_cron', message: `invalid cron "${cron}": ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** A schedule prepared for computing fire times: the cron read on a wall-clock time line. */
export interface CompiledSchedule {
  readonly timeZone: string;
  /**
   * The cron allows every hour of the day: in a repeated (fall-back) hour it fires on both passes
   * and in a skipped (spring-forward) hour the missing times simply do not exist, which keeps its
   * cadence in real time. Otherwise each wall-clock time fires once (see `nextFireTime`).
   */
  readonly everyHour: boolean;
  /** First cron slot strictly after `wall` (wall-clock ms, read as if UTC), or null if none. */
  nextWall(wall: number): number | null;
}

const compiledMemo = new Map<string, CompiledSchedule>();
const COMPILED_MEMO_MAX = 1_000;

/**
 * Parses a validated schedule's cron (memoised by cron and zone). The cron is evaluated in UTC on
 * the zone's wall-clock time line (local date-time as if it were UTC, where there is no DST);
 * `nextFireTime` maps wall-clock slots to instants.
 * @throws RangeError when the cron does not parse (the schedule was not validated).
 */
export function compileSchedule(schedule: Pick<Schedule, 'cron' | 'timeZone'>): CompiledSchedule {
  const key = `${schedule.timeZone}\u0000${schedule.cron}`;
  let compiled = compiledMemo.get(key);
  if (!compiled) {
    compiled = compile(schedule);
    if (compiledMemo.size >= COMPILED_MEMO_MAX) compiledMemo.clear();
    compiledMemo.set(key, compiled);
  }
  return compiled;
}

function compile(schedule: Pick<Schedule, 'cron' | 'timeZone'>): CompiledSchedule {
  let expression: CronExpression;
  try {
    expression = CronExpressionParser.parse(schedule.cron, { tz: 'UTC', currentDate: 0 });
  } catch (err) {
    throw new RangeError(`invalid cron "${schedule.cron}"`, { cause: err });
  }
  // Answers already known: nextWall(from) = next means no slot lies in (from, next).
  const recent: { from: number; next: number | null }[] = [];
  return {
    timeZone: schedule.timeZone,
    everyHour: expression.fields.hour.values.length === 24,
    nextWall(wall: number): number | null {
      const hit = recent.find((r) => wall >= r.from && (r.next === null || wall < r.next));
      if (hit) return hit.next;
      expression.reset(new Date(wall));
      let next: number | null;
      try {
        next = expression.next().getTime();
      } catch {
        // cron-parser gives up (loop limit / out of range): no further slot.
        next = null;
      }
      recent.unshift({ from: wall, next });
      recent.length = Math.min(recent.length, 4);
      return next;
    },
  };
}
