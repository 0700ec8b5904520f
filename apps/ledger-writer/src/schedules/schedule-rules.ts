import { CreateScheduleRequest, OrchError, ScheduleLimits, ScheduleMisfirePolicy } from '@orch/contracts';
import { digestOf, fireAnchor, fireId, nextFireTime, validateSchedule } from '@orch/domain';
import type { ScheduleRow } from '@orch/persistence';

/** Idempotency scope of the jobs a firing creates (key: `fireId(scheduleId, fireTime)`). */
export const SCHEDULE_FIRE_SCOPE = 'schedule-fire';
/** How far ahead of the ledger-writer's clock a fire time may be (replica clocks differ a little). */
export const FIRE_CLOCK_SKEW_MS = 5_000;

/**
 * Checks cron, time zone and misfire fields with the domain's rules.
 * @throws OrchError `validation_failed` naming each bad field (`cron`, `timeZone`, …).
 */
export function checkSchedule(spec: { cron: string; timeZone: string; misfirePolicy: ScheduleMisfirePolicy; maxCatchUp: number }) {
  const v = validateSchedule(spec);
  if (v.ok) return v.schedule;
  const errors = v.errors.map((e) => ({ path: e.field, message: e.message }));
  throw new OrchError('validation', `invalid schedule: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { retryable: false, errors });
}

/** A new schedule row from a validated request. */
export function newScheduleRow(id: string, tenant: string, req: CreateScheduleRequest, now: Date): ScheduleRow {
  const rules = checkSchedule({
    cron: req.cron,
    timeZone: req.timeZone,
    misfirePolicy: req.misfirePolicy ?? 'skip',
    maxCatchUp: req.maxCatchUp ?? ScheduleLimits.maxCatchUpDefault,
  });
  const row: ScheduleRow = {
    id,
    tenant,
    project: req.project,
    name: req.name,
    cron: rules.cron,
    timeZone: rules.timeZone,
    misfirePolicy: rules.misfirePolicy,
    maxCatchUp: rules.maxCatchUp,
    jobType: req.job.jobType,
    payload: req.job.payload,
    priority: req.job.priority ?? null,
    maxAttempts: req.job.maxAttempts ?? null,
    source: req.job.source ?? null,
    paused: req.paused ?? false,
    lastFireAt: null,
    nextFireAt: null,
    resumedAt: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  row.nextFireAt = nextSlot(row);
  return row;
}

/** The first slot after the schedule's anchor (null while paused or when the cron never fires again). */
export function nextSlot(s: ScheduleRow): Date | null {
  if (s.paused) return null;
  return nextFireTime(s, anchorOf(s));
}

/** Where firing resumes: the latest of creation, last fire and resume. */
export function anchorOf(s: ScheduleRow): Date {
  return fireAnchor({ createdAt: s.createdAt, lastFiredAt: s.lastFireAt, resumedAt: s.resumedAt });
}

/** Why a requested slot must not fire now, or null if it may. */
export function refuseSlot(s: ScheduleRow, t: Date, now: Date): string | null {
  if (t.getTime() <= anchorOf(s).getTime()) return 'not_after_last_fire';
  if (t.getTime() > now.getTime() + FIRE_CLOCK_SKEW_MS) return 'in_future';
  // Only the cron's own slots: a forged or stale time must not create a job.
  if (nextFireTime(s, t.getTime() - 1)?.getTime() !== t.getTime()) return 'not_a_fire_time';
  return null;
}

/** Most slots one firing may create: 1 for `skip`, `maxCatchUp` for `catch_up` (the newest are kept). */
export function misfireKeep(s: ScheduleRow): number {
  return s.misfirePolicy === 'skip' ? 1 : s.maxCatchUp;
}

/** The submit a firing makes: the template, keyed by the fire id. */
export function fireSubmit(s: ScheduleRow, t: Date) {
  const key = fireId(s.id, t);
  return {
    project: s.project,
    jobType: s.jobType,
    payload: s.payload,
    ...(s.priority !== null ? { priority: s.priority } : {}),
    ...(s.maxAttempts !== null ? { maxAttempts: s.maxAttempts } : {}),
    ...(s.source !== null ? { source: s.source } : {}),
    idempotencyKey: key,
    requestDigest: digestOf({ scheduleId: s.id, fireTime: t.toISOString() }),
    scope: SCHEDULE_FIRE_SCOPE,
  };
}

/** The audited fields of a schedule (before/after of its audit entries). */
export function auditView(s: ScheduleRow): Record<string, unknown> {
  return {
    name: s.name,
    cron: s.cron,
    timeZone: s.timeZone,
    misfirePolicy: s.misfirePolicy,
    maxCatchUp: s.maxCatchUp,
    jobType: s.jobType,
    paused: s.paused,
    version: s.version,
  };
}
