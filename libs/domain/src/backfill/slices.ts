/** Limits of a backfill's window and slicing (the api and the ledger-writer both check them). */
export const BACKFILL_MAX_SLICES = 10_000;
export const BACKFILL_MIN_SLICE_MS = 60_000;

/** A half-open event-time window `[from, to)`, in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

const UNIT_MS = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;

/**
 * Parses a fixed-length ISO 8601 duration (`P1D`, `PT1H`, `PT15M`, `P1DT12H`, `P2W`) into
 * milliseconds. Years and months are refused: their length depends on the calendar, and a
 * slice must be the same length everywhere so a dry run and the real run cut alike.
 * @returns the length in ms, or a sentence saying what is wrong.
 */
export function parseSliceDuration(text: string): number | string {
  const m = /^P(?:(\d{1,4})W)?(?:(\d{1,4})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?(?:(\d{1,6})S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return 'slice must be a fixed-length ISO 8601 duration such as PT1H, PT15M or P1D (weeks, days, hours, minutes, seconds; no years or months)';
  }
  const [w, d, h, min, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const ms = w * UNIT_MS.W + d * UNIT_MS.D + h * UNIT_MS.H + min * UNIT_MS.M + s * UNIT_MS.S;
  if (ms < BACKFILL_MIN_SLICE_MS) return `slice must be at least ${BACKFILL_MIN_SLICE_MS / 1000} s (PT1M)`;
  return ms;
}

/**
 * Cuts `[from, to)` into consecutive slices of `sliceMs` aligned on `from`; the last one ends at
 * `to` (shorter when the window is not a whole number of slices).
 * @returns the slices, or a sentence saying why the window cannot be cut.
 */
export function sliceWindow(window: TimeWindow, sliceMs: number, maxSlices: number = BACKFILL_MAX_SLICES): TimeWindow[] | string {
  if (!(window.to > window.from)) return 'to must be after from';
  const count = Math.ceil((window.to - window.from) / sliceMs);
  if (count > maxSlices) return `the window holds ${count} slices of ${sliceMs / 1000} s; at most ${maxSlices} per backfill (use a longer slice or a shorter window)`;
  const slices: TimeWindow[] = [];
  for (let from = window.from; from < window.to; from += sliceMs) slices.push({ from, to: Math.min(from + sliceMs, window.to) });
  return slices;
}

/** Whether two half-open windows share an instant. */
export function windowsOverlap(a: TimeWindow, b: TimeWindow): boolean {
  return a.from < b.to && b.from < a.to;
}

/** The union of windows as sorted, disjoint, non-adjacent windows. */
export function mergeWindows(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].filter((w) => w.to > w.from).sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: TimeWindow[] = [];
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return merged;
}
