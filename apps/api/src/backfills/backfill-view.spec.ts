import type { BackfillRow } from '@orch/persistence';
import { backfillStatus, buildBackfillView } from './backfill-view';

describe('backfillStatus', () => {
  it('is the stored state while paused or canceled', () => {
    expect(backfillStatus('paused', { queued: 3 })).toBe('paused');
    expect(backfillStatus('canceled', { succeeded: 3 })).toBe('canceled');
  });

  it('is active while a job has not finished, then failed if any failed or timed out, else succeeded', () => {
    expect(backfillStatus('active', { succeeded: 2, running: 1 })).toBe('active');
    expect(backfillStatus('active', { succeeded: 2, throttled: 1 })).toBe('active');
    expect(backfillStatus('active', { succeeded: 2, failed: 1 })).toBe('failed');
    expect(backfillStatus('active', { succeeded: 2, timed_out: 1 })).toBe('failed');
    expect(backfillStatus('active', { succeeded: 2, canceled: 1 })).toBe('succeeded');
    expect(backfillStatus('active', {})).toBe('succeeded');
  });
});

describe('buildBackfillView', () => {
  const row: BackfillRow = {
    id: 'b1',
    tenant: 't1',
    project: 'p1',
    source: 'nvd',
    jobType: 'nvd.sync',
    windowFrom: new Date('2026-11-01T00:00:00Z'),
    windowTo: new Date('2026-11-02T00:00:00Z'),
    slice: 'PT1H',
    sliceMs: 3_600_000,
    priority: 2,
    maxAttempts: 3,
    payload: {},
    state: 'active',
    slices: 24,
    createdJobs: 3,
    skipped: 21,
    reason: 'r',
    ticket: 'T-1',
    createdBy: 'alice',
    createdAt: new Date('2026-12-07T00:00:00Z'),
    updatedAt: new Date('2026-12-07T00:00:00Z'),
  };

  it('counts finished jobs as progress and shows the watermark', () => {
    const view = buildBackfillView(row, { succeeded: 2, queued: 1 }, new Date('2026-11-01T02:00:00Z'));
    expect(view).toMatchObject({ status: 'active', progressPercent: 66.7, watermark: '2026-11-01T02:00:00.000Z', slices: 24, created: 3, skipped: 21 });
    expect(buildBackfillView({ ...row, createdJobs: 0 }, {}, null)).toMatchObject({ status: 'succeeded', progressPercent: 100, watermark: null });
  });
});
