/**
 * UTC offsets of IANA time zones from the runtime's ICU data (`Intl`), with no other
 * dependency. Offsets change at transitions (DST, political changes); these helpers find them
 * by probing and bisection.
 */

const DAY_MS = 86_400_000;
/**
 * Probe step when looking for the next transition. Since 1990 no zone has had two transitions
 * less than ~6.9 days apart (Brazil 2000, measured over every zone ICU knows), so a 2-day step
 * cannot step over a pair of them.
 */
const PROBE_MS = 2 * DAY_MS;
/**
 * How far back a transition still matters: its gap or repeated hour lasts at most its size, and
 * the largest shifts are a whole day (Pacific/Apia skipping 30 Dec 2011).
 */
export const TRANSITION_LOOKBACK_MS = 2 * DAY_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether the runtime knows `zone` as a time zone (IANA name, case-insensitive; UTC offsets are refused). */
export function isValidTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.trim() === '' || /^[+-]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets are memoised per 15-minute bucket whose two ends agree (no zone has two transitions
 * within 15 minutes), and transitions once found; both are facts of the time zone data, so the
 * memo changes no answer. Each memo is bounded and simply cleared when full.
 */
const BUCKET_MS = 15 * 60_000;
const MEMO_MAX = 50_000;
const bucketOffsets = new Map<string, Map<number, number | null>>();
const knownTransitions = new Map<string, number[]>();

/** Offset of `zone` from UTC at instant `t` (epoch ms): local wall-clock time = `t + offset`. */
export function zoneOffsetMs(zone: string, t: number): number {
  let buckets = bucketOffsets.get(zone);
  if (!buckets) bucketOffsets.set(zone, (buckets = new Map()));
  const bucket = Math.floor(t / BUCKET_MS);
  let offset = buckets.get(bucket);
  if (offset === undefined) {
    const first = computeOffset(zone, bucket * BUCKET_MS);
    offset = first === computeOffset(zone, (bucket + 1) * BUCKET_MS - 1) ? first : null;
    if (buckets.size >= MEMO_MAX) buckets.clear();
    buckets.set(bucket, offset);
  }
  return offset ?? computeOffset(zone, t);
}

function computeOffset(zone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = new Date(0);
  wall.setUTCFullYear(p.year, p.month - 1, p.day);
  wall.setUTCHours(p.hour, p.minute, p.second, 0);
  return wall.getTime() - Math.floor(t / 1000) * 1000;
}

/** The first instant in `(from, to]` whose offset differs from the offset at `from`, or null. */
export function nextOffsetChange(zone: string, from: number, to: number): number | null {
  const offset = zoneOffsetMs(zone, from);
  for (let lo = from; lo < to; ) {
    const hi = Math.min(lo + PROBE_MS, to);
    if (zoneOffsetMs(zone, hi) !== offset) return bisect(zone, lo, hi, offset);
    lo = hi;
  }
  return null;
}

/**
 * The transition that started the offset in force at `t`, if it happened within
 * {@link TRANSITION_LOOKBACK_MS}: its instant and the offset before it.
 */
export function recentOffsetChange(zone: string, t: number): { at: number; before: number } | null {
  const from = t - TRANSITION_LOOKBACK_MS;
  const before = zoneOffsetMs(zone, from);
  if (before === zoneOffsetMs(zone, t)) return null;
  return { at: bisect(zone, from, t, before), before };
}

/** Smallest instant in `(lo, hi]` whose offset is not `offset`, given offset(lo) = offset ≠ offset(hi). */
function bisect(zone: string, lo: number, hi: number, offset: number): number {
  let known = knownTransitions.get(zone);
  if (!known) knownTransitions.set(zone, (known = []));
  const found = known.find((t) => t > lo && t <= hi);
  if (found !== undefined) return found;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(zone, mid) === offset) lo = mid;
    else hi = mid;
  }
  if (known.length >= MEMO_MAX) known.length = 0;
  known.push(hi);
  return hi;
}
