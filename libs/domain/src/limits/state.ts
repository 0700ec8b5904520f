import type { BucketState } from './bucket';
import { BreakerState, releaseProbe } from './breaker';
import { KEY_SUFFIX } from './keys';

/** Admissions counted in one fixed window: `count` applies only while `windowStart` is the current window. */
export interface UsageWindow {
  /** Epoch ms the window began (a whole UTC hour or midnight UTC). */
  windowStart: number;
  count: number;
}

/**
 * Everything the limiter persists, as four maps from canonical keys (see `keys.ts`) to plain JSON
 * values. A loaded subset is enough: a missing entry means a full bucket, zero in flight, no usage,
 * a closed breaker. Rule ids are unique across kinds, so a key lives in exactly one map:
 * - `buckets`: rate rule keys;
 * - `inFlight`: concurrency rule keys and quota `…|@active` keys;
 * - `usage`: quota `…|@hour` and `…|@day` keys;
 * - `breakers`: breaker rule keys.
 */
export interface LimitState {
  buckets: Record<string, BucketState>;
  inFlight: Record<string, number>;
  usage: Record<string, UsageWindow>;
  breakers: Record<string, BreakerState>;
}

/** `record[key]` if it is the record's own entry (never an inherited `constructor` or `toString`). */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A state with nothing in it. */
export function emptyLimitState(): LimitState {
  return { buckets: {}, inFlight: {}, usage: {}, breakers: {} };
}

/** A new state and the keys whose entries changed (write those back). */
export interface LimitStateChange {
  state: LimitState;
  /** Sorted, unique. */
  touched: string[];
}

/** `<breakerKey>|@probe:<since>` → [breakerKey, since], else null. */
export function parseProbeSlot(key: string): [string, number] | null {
  const at = key.lastIndexOf(`|${KEY_SUFFIX.probe}`);
  if (at < 0) return null;
  const since = key.slice(at + 1 + KEY_SUFFIX.probe.length);
  return /^-?\d+$/.test(since) ? [key.slice(0, at), Number(since)] : null;
}

/** The probe slot key of a breaker half-open since `since`. */
export function probeSlotKey(breakerKey: string, since: number): string {
  return `${breakerKey}|${KEY_SUFFIX.probe}${since}`;
}

/**
 * Gives back the slots an admitted job held (its `slotKeys`), when it ends or goes back to the
 * queue: each concurrency / maxActive count drops by one, never below zero, and a breaker probe
 * slot frees a probe of the same half-open period. Each key is released once per occurrence in
 * `slotKeys`; making a job's release happen once is the caller's part (release by job and attempt).
 */
export function releaseSlots(state: LimitState, slotKeys: readonly string[]): LimitStateChange {
  const inFlight = { ...state.inFlight };
  const breakers = { ...state.breakers };
  const touched = new Set<string>();
  for (const key of slotKeys) {
    const probe = parseProbeSlot(key);
    if (probe) {
      const [breakerKey, since] = probe;
      const current = ownEntry(breakers, breakerKey);
      if (!current) continue;
      const next = releaseProbe(current, since);
      if (next !== current) {
        breakers[breakerKey] = next;
        touched.add(breakerKey);
      }
      continue;
    }
    const n = ownEntry(inFlight, key);
    if (n === undefined || n <= 0) continue;
    inFlight[key] = n - 1;
    touched.add(key);
  }
  return { state: { ...state, inFlight, breakers }, touched: [...touched].sort() };
}

/** The entries of `keys` present in `state` (what to write back for a `touched` list). */
export function pickState(state: LimitState, keys: readonly string[]): LimitState {
  const out = emptyLimitState();
  for (const key of keys) {
    if (Object.hasOwn(state.buckets, key)) out.buckets[key] = state.buckets[key];
    if (Object.hasOwn(state.inFlight, key)) out.inFlight[key] = state.inFlight[key];
    if (Object.hasOwn(state.usage, key)) out.usage[key] = state.usage[key];
    if (Object.hasOwn(state.breakers, key)) out.breakers[key] = state.breakers[key];
  }
  return out;
}
