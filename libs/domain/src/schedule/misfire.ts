import { Instant, nextFireAfter, toMs } from './fire-times';
import { CompiledSchedule, MisfirePolicy, Schedule, compileSchedule } from './schedule';

/** Default of {@link DueFiresOptions.countLimit}. */
export const MISSED_COUNT_LIMIT_DEFAULT = 1_000;

/** Tuning for {@link dueFires}. */
export interface DueFiresOptions {
  /**
   * Most dropped fire times counted one by one (each costs a fire-time computation, ~40 µs);
   * beyond it `droppedCapped` is set. Default {@link MISSED_COUNT_LIMIT_DEFAULT}.
   */
  countLimit?: number;
}

/** What a scheduler tick must do for one schedule. */
export interface DueFires {
  /**
   * Fire times to fire now, oldest first: fire each with its {@link fireId}, and move the
   * schedule's `lastFiredAt` to the last one (compare-and-set against the value read).
   */
  fires: Date[];
  /** Due fire times left out by the misfire policy (all older than `fires`). */
  dropped: number;
  /** True when counting stopped at the limit: more than `dropped` were left out. */
  droppedCapped: boolean;
  /** The first fire time after both `now` and `since`, or null if the cron never fires again. */
  nextFireAt: Date | null;
}

/**
 * The fire times due at `now`: those in `(since, now]`, where `since` is the schedule's
 * {@link fireAnchor}. Normally that is one (or none); after downtime more have been missed and the
 * misfire policy chooses: `skip` fires only the most recent of them (late), `catch_up` the most
 * recent `maxCatchUp` in order; older ones are dropped and counted. A fire time exactly at `since`
 * has fired already; `since` later than `now` (a replica's clock behind) gives nothing.
 * Cost grows with the fires kept and counted (at most `countLimit`), not with the downtime.
 */
export function dueFires(schedule: Schedule, since: Instant, now: Instant, options: DueFiresOptions = {}): DueFires {
  const compiled = compileSchedule(schedule);
  const from = toMs(since);
  const to = toMs(now);
  const keep = schedule.misfirePolicy === MisfirePolicy.skip ? 1 : schedule.maxCatchUp;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`maxCatchUp must be a positive integer, got ${keep}`);
  const limit = options.countLimit ?? MISSED_COUNT_LIMIT_DEFAULT;
  if (from >= to) return { fires: [], dropped: 0, droppedCapped: false, nextFireAt: dateOrNull(nextFireAfter(compiled, from)) };

  // Usually one fire (or none) is due: walk forward, stopping once more are due than we would count.
  const due: number[] = [];
  let t = nextFireAfter(compiled, from);
  for (; t !== null && t <= to && due.length <= limit + keep; t = nextFireAfter(compiled, t)) due.push(t);
  if (t === null || t > to) {
    const fires = due.slice(-keep);
    return { fires: fires.map((f) => new Date(f)), dropped: due.length - fires.length, droppedCapped: false, nextFireAt: dateOrNull(t) };
  }
  // A long downtime: more than `limit` dropped; find the newest without walking through all of them.
  const fires = newestFires(compiled, from, to, keep);
  return { fires: fires.map((f) => new Date(f)), dropped: limit, droppedCapped: true, nextFireAt: dateOrNull(nextFireAfter(compiled, to)) };
}

function dateOrNull(t: number | null): Date | null {
  return t === null ? null : new Date(t);
}

/**
 * Where {@link dueFires} starts looking: the latest of when the schedule was created, last fired
 * and last resumed. Resuming a paused schedule sets `resumedAt`, so fire times that fell in the
 * pause are never caught up; a paused schedule is simply not evaluated.
 */
export function fireAnchor(state: { createdAt: Instant; lastFiredAt?: Instant | null; resumedAt?: Instant | null }): Date {
  const candidates = [state.createdAt, state.lastFiredAt, state.resumedAt].filter((t): t is Instant => t !== undefined && t !== null);
  return new Date(Math.max(...candidates.map(toMs)));
}

/**
 * The newest `keep` fire times in `(from, to]`, oldest first. Searches backwards from `to` in
 * windows growing fourfold, so a long downtime costs a few windows, not every missed time.
 */
function newestFires(schedule: CompiledSchedule, from: number, to: number, keep: number): number[] {
  for (let window = 60_000; ; window *= 4) {
    const start = Math.max(from, to - window);
    const found: number[] = [];
    for (let t = nextFireAfter(schedule, start); t !== null && t <= to; t = nextFireAfter(schedule, t)) found.push(t);
    if (found.length >= keep || start === from) return found.slice(-keep);
  }
}
