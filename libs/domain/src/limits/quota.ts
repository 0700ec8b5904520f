import { KEY_SUFFIX, suffixedKey } from './keys';
import type { QuotaRule } from './rules';
import { LimitState, ownEntry, UsageWindow } from './state';

/** One hour in ms. */
export const QUOTA_HOUR_MS = 3_600_000;
/** One day in ms. */
export const QUOTA_DAY_MS = 86_400_000;

/** A fixed quota window: a whole UTC hour or a UTC day (midnight to midnight). */
export type QuotaWindow = 'hour' | 'day';

const WINDOW_MS: Record<QuotaWindow, number> = { hour: QUOTA_HOUR_MS, day: QUOTA_DAY_MS };

/**
 * Start of the fixed UTC window holding `now`. Epoch ms count UTC without leap seconds, so
 * flooring to a multiple of the window length gives the whole hour / midnight UTC.
 */
export function quotaWindowStart(window: QuotaWindow, now: number): number {
  return Math.floor(now / WINDOW_MS[window]) * WINDOW_MS[window];
}

/** Start of the next window after the one holding `now` (when its usage resets). */
export function quotaWindowReset(window: QuotaWindow, now: number): number {
  return quotaWindowStart(window, now) + WINDOW_MS[window];
}

/**
 * Admissions counted in the window holding `now`. A row of a later window (written by a replica
 * whose clock is ahead) still counts, so a clock difference cannot reset usage back and forth.
 */
export function quotaUsed(usage: UsageWindow | undefined, window: QuotaWindow, now: number): number {
  return usage && usage.windowStart >= quotaWindowStart(window, now) ? usage.count : 0;
}

/** The usage row after one more admission at `now` (a stale window starts again at 1). */
export function addQuotaUsage(usage: UsageWindow | undefined, window: QuotaWindow, now: number): UsageWindow {
  const start = quotaWindowStart(window, now);
  return usage && usage.windowStart >= start ? { windowStart: usage.windowStart, count: usage.count + 1 } : { windowStart: start, count: 1 };
}

/** Key of a quota's slot counter (`…|@active`), from the quota's key. */
export function quotaActiveKey(key: string): string {
  return suffixedKey(key, KEY_SUFFIX.active);
}

/** Key of a quota's usage counter for a window (`…|@hour`, `…|@day`), from the quota's key. */
export function quotaUsageKey(key: string, window: QuotaWindow): string {
  return suffixedKey(key, window === 'hour' ? KEY_SUFFIX.hour : KEY_SUFFIX.day);
}

/** Limit, use and remainder of one quota figure. */
export interface QuotaFigure {
  limit: number;
  used: number;
  /** `limit − used`, never negative. */
  remaining: number;
  /** Epoch ms the figure resets (window end); null for maxActive, which frees as jobs end. */
  resetAt: number | null;
}

/** What is left of a quota for one key; a figure is null when the quota does not set it. */
export interface QuotaRemaining {
  key: string;
  active: QuotaFigure | null;
  hour: QuotaFigure | null;
  day: QuotaFigure | null;
}

function figure(limit: number | null | undefined, used: number, resetAt: number | null): QuotaFigure | null {
  if (limit == null) return null;
  return { limit, used, remaining: Math.max(0, limit - used), resetAt };
}

/**
 * The remaining figures of `quota` for its key `key` (build it with `limitKey(quota.id, quota.per, subject)`)
 * at `now`: active slots, and admissions left in the current UTC hour and day with their reset times.
 */
export function quotaRemaining(quota: QuotaRule, state: LimitState, now: number, key: string): QuotaRemaining {
  return {
    key,
    active: figure(quota.maxActive, ownEntry(state.inFlight, quotaActiveKey(key)) ?? 0, null),
    hour: figure(quota.maxPerHour, quotaUsed(ownEntry(state.usage, quotaUsageKey(key, 'hour')), 'hour', now), quotaWindowReset('hour', now)),
    day: figure(quota.maxPerDay, quotaUsed(ownEntry(state.usage, quotaUsageKey(key, 'day')), 'day', now), quotaWindowReset('day', now)),
  };
}
