import { dueFires, fireAnchor } from '@orch/domain';
import type { ScheduleRow } from '@orch/persistence';

/** What one cron tick asks the ledger-writer to fire for one schedule. */
export interface FirePlan {
  /** Slots to send in one `schedule-fire`, oldest first (ISO-8601 UTC); empty: nothing due yet. */
  fireTimes: string[];
  /** Due slots the misfire policy left out (older than `fireTimes`). */
  dropped: number;
  /** More than `dropped` were left out (counting stopped). */
  droppedCapped: boolean;
}

/**
 * The slots of a due schedule at `now`: those after its anchor (creation, last fire or resume,
 * whichever is latest) up to `now`, bounded by the misfire policy (`skip`: the newest one;
 * `catch_up`: the newest `maxCatchUp`). Every replica computes the same slots from the same row,
 * so their `schedule-fire` commands name the same `(scheduleId, fireTime)` pairs and the
 * ledger-writer's compare-and-set fires each once.
 */
export function planFires(row: Pick<ScheduleRow, 'cron' | 'timeZone' | 'misfirePolicy' | 'maxCatchUp' | 'createdAt' | 'lastFireAt' | 'resumedAt'>, now: Date): FirePlan {
  const since = fireAnchor({ createdAt: row.createdAt, lastFiredAt: row.lastFireAt, resumedAt: row.resumedAt });
  const due = dueFires({ cron: row.cron, timeZone: row.timeZone, misfirePolicy: row.misfirePolicy, maxCatchUp: row.maxCatchUp }, since, now);
  return { fireTimes: due.fires.map((t) => t.toISOString()), dropped: due.dropped, droppedCapped: due.droppedCapped };
}
