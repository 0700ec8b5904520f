import { mergeWindows, TimeWindow, windowsOverlap } from './slices';

/** An existing job whose event-time window may already cover part of a backfill. */
export interface CoveringJob extends TimeWindow {
  id: string;
}

/** Why a slice is not created. */
export const BackfillSkip = {
  /** The source's watermark is at or past the slice's end: that event time was processed. */
  watermark: 'watermark',
  /** Jobs that are not failed, canceled or timed out (live or earlier backfills) cover the whole slice. */
  coveredByJobs: 'covered_by_jobs',
} as const;
export type BackfillSkip = (typeof BackfillSkip)[keyof typeof BackfillSkip];

/** One slice of a backfill plan. */
export interface PlannedSlice extends TimeWindow {
  action: 'create' | 'skip';
  skip?: BackfillSkip;
  /** The jobs whose windows cover the slice (`covered_by_jobs`). */
  coveredBy?: string[];
}

/** What a backfill would create. */
export interface BackfillPlan {
  slices: PlannedSlice[];
  create: number;
  skipped: number;
}

/**
 * Decides, slice by slice, what a backfill creates: a slice ending at or before the watermark is
 * skipped (`watermark`); one inside the union of the covering jobs' windows is skipped
 * (`covered_by_jobs`, naming the jobs that overlap it); the rest are created. Partly covered
 * slices are created: the uncovered part must run, and the ledger keeps overlapping windows
 * from running at the same time. Pure: the dry run and the real run call it on the same facts.
 */
export function planBackfill(slices: readonly TimeWindow[], watermark: number | null, covering: readonly CoveringJob[]): BackfillPlan {
  const union = mergeWindows(covering);
  const out: PlannedSlice[] = [];
  let create = 0;
  for (const s of slices) {
    if (watermark !== null && s.to <= watermark) {
      out.push({ ...s, action: 'skip', skip: BackfillSkip.watermark });
      continue;
    }
    const inside = union.some((u) => u.from <= s.from && s.to <= u.to);
    if (inside) {
      const coveredBy = covering.filter((c) => windowsOverlap(c, s)).map((c) => c.id).sort();
      out.push({ ...s, action: 'skip', skip: BackfillSkip.coveredByJobs, coveredBy });
      continue;
    }
    out.push({ ...s, action: 'create' });
    create += 1;
  }
  return { slices: out, create, skipped: out.length - create };
}

/**
 * Where a source's watermark moves once jobs succeed: from `watermark`, as far as succeeded
 * windows reach without a gap. A window starting after the watermark waits until the gap before
 * it is filled. Returns `watermark` itself when nothing reaches past it.
 */
export function advanceWatermark(watermark: number, succeeded: readonly TimeWindow[]): number {
  let wm = watermark;
  for (const w of mergeWindows(succeeded)) {
    if (w.from > wm) break;
    if (w.to > wm) wm = w.to;
  }
  return wm;
}
