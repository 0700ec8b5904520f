import { CompiledSchedule, Schedule, compileSchedule } from './schedule';
import { nextOffsetChange, recentOffsetChange, zoneOffsetMs } from './time-zone';

/** An instant: a Date or epoch milliseconds. */
export type Instant = Date | number;

/** Most fire times {@link nextFireTimes} computes in one call. */
export const NEXT_FIRE_TIMES_MAX = 1_000;

/**
 * The first fire time strictly after `after`, or null if the cron never fires again.
 *
 * Fire times are the instants at which the zone's wall clock shows a time the cron matches, with
 * these rules at daylight-saving transitions (the "slot" is the local date-time):
 * - Skipped hour (spring forward, e.g. Europe/Berlin 02:00→03:00): a slot in the gap fires at the
 *   same wall time shifted by the gap (02:30 → 03:30 CEST, the instant 02:30 CET would have
 *   been); if that coincides with another slot's instant they fire once.
 * - Repeated hour (fall back, 03:00→02:00): a slot fires on the first pass only (02:30 CEST, not
 *   02:30 CET), so a daily 02:30 fires once that day.
 * - Exception: a cron whose hour field allows every hour (`0,30 * * * *`, `5 * * * *`) follows
 *   real time instead: it fires on both passes of a repeated hour and has no slots in a skipped
 *   hour, so its cadence is unchanged across transitions.
 * Slots have minute precision. The answer depends only on the schedule and the runtime's time
 * zone data, so every replica on the same build computes the same instants.
 */
export function nextFireTime(schedule: Pick<Schedule, 'cron' | 'timeZone'>, after: Instant): Date | null {
  const next = nextFireAfter(compileSchedule(schedule), toMs(after));
  return next === null ? null : new Date(next);
}

/**
 * The next `count` fire times strictly after `after`, strictly increasing (fewer if the cron
 * stops firing). See {@link nextFireTime} for the rules.
 * @throws RangeError when `count` is not an integer from 0 to {@link NEXT_FIRE_TIMES_MAX}.
 */
export function nextFireTimes(schedule: Pick<Schedule, 'cron' | 'timeZone'>, after: Instant, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0 || count > NEXT_FIRE_TIMES_MAX) {
    throw new RangeError(`count must be an integer from 0 to ${NEXT_FIRE_TIMES_MAX}, got ${count}`);
  }
  const compiled = compileSchedule(schedule);
  const times: Date[] = [];
  for (let t: number | null = toMs(after); times.length < count; ) {
    t = nextFireAfter(compiled, t);
    if (t === null) break;
    times.push(new Date(t));
  }
  return times;
}

/** Epoch ms of an instant. @throws RangeError for an invalid Date or a non-finite number. */
export function toMs(instant: Instant): number {
  const ms = instant instanceof Date ? instant.getTime() : instant;
  if (!Number.isFinite(ms)) throw new RangeError(`invalid instant ${String(instant)}`);
  return ms;
}

/**
 * The first fire time after `t` (epoch ms). Walks the time line interval by interval, each with
 * a constant UTC offset `o`, starting at `start` (a transition from offset `p`, or -∞ when the
 * last transition is too old to matter): within it, slot `s` fires at `s − o`; after a fall-back
 * the repeated slots `[start+o, start+p)` are left out (they fired before); after a spring-forward
 * the skipped slots `[start+p, start+o)` fire at `s − p`.
 */
export function nextFireAfter(schedule: CompiledSchedule, t: number): number | null {
  const zone = schedule.timeZone;
  let offset = zoneOffsetMs(zone, t);
  const recent = recentOffsetChange(zone, t);
  let start = recent ? recent.at : Number.NEGATIVE_INFINITY;
  let previous = recent ? recent.before : offset;
  let cursor = t;
  // Each round either answers or moves past one transition; a few rounds per year of search.
  for (let round = 0; round < 10_000; round++) {
    const candidate = candidateIn(schedule, cursor, start, offset, previous);
    if (candidate === null) return null;
    const change = nextOffsetChange(zone, Math.max(cursor, start), candidate);
    if (change === null) return candidate;
    previous = offset;
    offset = zoneOffsetMs(zone, change);
    start = change;
    cursor = change - 1;
  }
  throw new RangeError(`no fire time found for "${zone}" after ${new Date(t).toISOString()}: too many offset changes`);
}

/** The first fire time after `cursor` assuming the offset stays `offset` from `start` on. */
function candidateIn(schedule: CompiledSchedule, cursor: number, start: number, offset: number, previous: number): number | null {
  const sinceTransition = Number.isFinite(start) && !schedule.everyHour;
  const lowestSlot = sinceTransition ? start + Math.max(offset, previous) : Number.NEGATIVE_INFINITY;
  const slot = schedule.nextWall(Math.max(cursor + offset, lowestSlot - 1));
  let best = slot === null ? null : slot - offset;
  if (sinceTransition && previous < offset) {
    const skipped = schedule.nextWall(Math.max(cursor + previous, start + previous - 1));
    if (skipped !== null && skipped < start + offset) best = best === null ? skipped - previous : Math.min(best, skipped - previous);
  }
  return best;
}
