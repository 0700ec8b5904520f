export { BACKFILL_MAX_SLICES, BACKFILL_MIN_SLICE_MS, mergeWindows, parseSliceDuration, sliceWindow, windowsOverlap, type TimeWindow } from './slices';
export { advanceWatermark, BackfillSkip, planBackfill, type BackfillPlan, type CoveringJob, type PlannedSlice } from './plan';
export { estimateBackfill, limitFactsFor, type BackfillEstimate, type BackfillLimitFacts, type ListedRule } from './estimate';
