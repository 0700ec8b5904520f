import { Instant, toMs } from './fire-times';

/**
 * Identity of one firing of a schedule: `<scheduleId>@<fire time as ISO-8601 UTC>`, e.g.
 * `sch_42@2026-03-29T01:30:00.000Z`. Fire times are computed deterministically from the
 * schedule, so every scheduler replica derives the same id for the same slot: use it as the
 * idempotency key of the job a firing creates, and advance `lastFiredAt` by compare-and-set
 * (`… WHERE id = $1 AND last_fired_at IS NOT DISTINCT FROM $read`), so two replicas racing on
 * one tick create one job and only one of them moves the schedule on.
 * @throws RangeError for an empty schedule id or an invalid time.
 */
export function fireId(scheduleId: string, fireTime: Instant): string {
  if (typeof scheduleId !== 'string' || scheduleId === '') throw new RangeError('scheduleId must be a non-empty string');
  return `${scheduleId}@${new Date(toMs(fireTime)).toISOString()}`;
}
