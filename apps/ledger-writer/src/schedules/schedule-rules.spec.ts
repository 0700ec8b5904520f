import { OrchError } from '@orch/contracts';
import type { ScheduleRow } from '@orch/persistence';
import { anchorOf, checkSchedule, FIRE_CLOCK_SKEW_MS, fireSubmit, misfireKeep, newScheduleRow, nextSlot, refuseSlot } from './schedule-rules';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-12-07T08:30:20Z');
const request = { project: 'p1', name: 'n', cron: '*/10 * * * *', timeZone: 'Europe/Berlin', job: { jobType: 'demo.echo', payload: { a: 1 } } };
const row = (over: Partial<ScheduleRow> = {}): ScheduleRow => ({ ...newScheduleRow('0190d6f3-1a2b-7c3d-8e4f-9a0b1c2d3e4f', 'acme', request, at('2026-12-07T08:00:30Z')), ...over });

describe('schedule rules', () => {
  it('builds a row with defaults and its first slot after creation', () => {
    expect(row()).toMatchObject({ misfirePolicy: 'skip', maxCatchUp: 10, paused: false, nextFireAt: at('2026-12-07T08:10:00Z'), version: 1 });
    expect(row({ paused: true }).paused).toBe(true);
    expect(nextSlot(row({ paused: true }))).toBeNull();
  });

  it('refuses a bad cron or zone as validation_failed naming each field', () => {
    const err = (() => {
      try {
        checkSchedule({ cron: '0 30 2 * * *', timeZone: 'Mars/Olympus', misfirePolicy: 'skip', maxCatchUp: 10 });
      } catch (e) {
        return e as OrchError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('validation_failed');
    expect(err.errors?.map((e) => e.path)).toEqual(['cron', 'timeZone']);
  });

  it('anchors on the latest of creation, last fire and resume', () => {
    expect(anchorOf(row())).toEqual(at('2026-12-07T08:00:30Z'));
    expect(anchorOf(row({ lastFireAt: at('2026-12-07T08:20:00Z'), resumedAt: at('2026-12-07T08:15:00Z') }))).toEqual(at('2026-12-07T08:20:00Z'));
    expect(anchorOf(row({ lastFireAt: at('2026-12-07T08:20:00Z'), resumedAt: at('2026-12-07T08:25:00Z') }))).toEqual(at('2026-12-07T08:25:00Z'));
  });

  it('lets only the cron own slots after the anchor and not in the future fire', () => {
    const r = row({ lastFireAt: at('2026-12-07T08:10:00Z') });
    expect(refuseSlot(r, at('2026-12-07T08:20:00Z'), NOW)).toBeNull();
    expect(refuseSlot(r, at('2026-12-07T08:10:00Z'), NOW)).toBe('not_after_last_fire');
    expect(refuseSlot(r, at('2026-12-07T08:25:00Z'), NOW)).toBe('not_a_fire_time');
    expect(refuseSlot(r, at('2026-12-07T08:20:00.001Z'), NOW)).toBe('not_a_fire_time');
    expect(refuseSlot(r, at('2026-12-07T08:40:00Z'), NOW)).toBe('in_future');
    expect(refuseSlot(r, at('2026-12-07T08:40:00Z'), new Date(at('2026-12-07T08:40:00Z').getTime() - FIRE_CLOCK_SKEW_MS))).toBeNull();
  });

  it('bounds a firing to 1 slot with skip and maxCatchUp with catch_up', () => {
    expect(misfireKeep(row())).toBe(1);
    expect(misfireKeep(row({ misfirePolicy: 'catch_up', maxCatchUp: 4 }))).toBe(4);
  });

  it('submits the template keyed by the fire id, the same for every replica', () => {
    const t = at('2026-12-07T08:20:00Z');
    const a = fireSubmit(row(), t);
    expect(a).toMatchObject({ project: 'p1', jobType: 'demo.echo', payload: { a: 1 }, idempotencyKey: '0190d6f3-1a2b-7c3d-8e4f-9a0b1c2d3e4f@2026-12-07T08:20:00.000Z', scope: 'schedule-fire' });
    expect(a).not.toHaveProperty('priority');
    expect(fireSubmit(row(), new Date(t))).toEqual(a);
  });
});
