import { advanceWatermark, estimateBackfill, limitFactsFor, mergeWindows, parseSliceDuration, planBackfill, sliceWindow, windowsOverlap } from '.';

const H = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const w = (a: number, b: number) => ({ from: T0 + a * H, to: T0 + b * H });

describe('parseSliceDuration', () => {
  it.each([
    ['PT1H', H],
    ['PT15M', 15 * 60_000],
    ['P1D', 24 * H],
    ['P1DT12H', 36 * H],
    ['P2W', 14 * 24 * H],
    ['PT90S', 90_000],
  ])('reads %s as %d ms', (text, ms) => expect(parseSliceDuration(text)).toBe(ms));

  it.each(['P1M', 'P1Y', 'PT', 'P', '1H', 'PT1.5H', 'pt1h', '', 'PT1H '])('refuses %j with a sentence', (text) => {
    expect(typeof parseSliceDuration(text)).toBe('string');
  });

  it('refuses slices shorter than a minute', () => expect(parseSliceDuration('PT30S')).toMatch(/at least 60 s/));
});

describe('sliceWindow', () => {
  it('cuts a window into slices aligned on from, the last one shorter', () => {
    expect(sliceWindow(w(0, 2.5), H)).toEqual([w(0, 1), w(1, 2), w(2, 2.5)]);
  });

  it('refuses an empty or reversed window and too many slices', () => {
    expect(sliceWindow(w(1, 1), H)).toBe('to must be after from');
    expect(sliceWindow(w(2, 1), H)).toBe('to must be after from');
    expect(sliceWindow(w(0, 11), H, 10)).toMatch(/holds 11 slices .* at most 10/);
    expect(sliceWindow(w(0, 10), H, 10)).toHaveLength(10);
  });
});

describe('windows', () => {
  it('overlap only when they share an instant (half-open)', () => {
    expect(windowsOverlap(w(0, 1), w(1, 2))).toBe(false);
    expect(windowsOverlap(w(0, 1.5), w(1, 2))).toBe(true);
    expect(windowsOverlap(w(0, 3), w(1, 2))).toBe(true);
  });

  it('merge into sorted disjoint windows, adjacent ones joined', () => {
    expect(mergeWindows([w(3, 4), w(0, 1), w(1, 2), w(5, 6), w(3.5, 4.5)])).toEqual([w(0, 2), w(3, 4.5), w(5, 6)]);
  });
});

describe('planBackfill', () => {
  const slices = [w(0, 1), w(1, 2), w(2, 3), w(3, 4), w(4, 5)];

  it('creates every slice when nothing covers the window', () => {
    const plan = planBackfill(slices, null, []);
    expect(plan).toMatchObject({ create: 5, skipped: 0 });
    expect(plan.slices.every((s) => s.action === 'create')).toBe(true);
  });

  it('skips slices ending at or before the watermark, and slices inside the union of covering jobs', () => {
    const plan = planBackfill(slices, T0 + 1 * H, [
      { id: 'b', ...w(2, 2.5) },
      { id: 'a', ...w(2.5, 3.2) },
      { id: 'c', ...w(4.5, 5) },
    ]);
    expect(plan.slices.map((s) => [s.action, s.skip ?? null, s.coveredBy ?? null])).toEqual([
      ['skip', 'watermark', null],
      ['create', null, null],
      ['skip', 'covered_by_jobs', ['a', 'b']],
      ['create', null, null],
      // Half covered: the other half must still run.
      ['create', null, null],
    ]);
    expect(plan).toMatchObject({ create: 3, skipped: 2 });
  });
});

describe('advanceWatermark', () => {
  it('moves through contiguous succeeded windows and stops at a gap', () => {
    expect(advanceWatermark(T0, [w(1, 2), w(0, 1), w(3, 4)])).toBe(T0 + 2 * H);
    expect(advanceWatermark(T0, [w(1, 2)])).toBe(T0);
    expect(advanceWatermark(T0 + 5 * H, [w(0, 1)])).toBe(T0 + 5 * H);
    expect(advanceWatermark(T0 + 0.5 * H, [w(0, 1), w(1, 3)])).toBe(T0 + 3 * H);
  });
});

describe('estimateBackfill', () => {
  const none = { rates: [], caps: [], hourly: [], daily: [] };

  it('is bound by the slowest of rate, concurrency and quota', () => {
    const e = estimateBackfill(
      100,
      { rates: [{ ruleId: 'fast', ratePerSecond: 10, burst: 10 }, { ruleId: 'slow', ratePerSecond: 1, burst: 10 }], caps: [{ ruleId: 'cap', maxInFlight: 5 }], hourly: [], daily: [] },
      2,
    );
    // slow: (100 - 10) / 1 = 90 s; cap: 100 × 2 / 5 = 40 s.
    expect(e).toMatchObject({ seconds: 90, boundBy: 'rate:slow', meanRunSeconds: 2 });
    expect(estimateBackfill(100, { ...none, caps: [{ ruleId: 'cap', maxInFlight: 2 }] }, 2)).toMatchObject({ seconds: 100, boundBy: 'concurrency:cap' });
    expect(estimateBackfill(120, { ...none, hourly: [{ ruleId: 'q', max: 50 }] }, null)).toMatchObject({ seconds: 7_200, boundBy: 'quota_hour:q' });
  });

  it('says when nothing bounds it', () => {
    expect(estimateBackfill(10, none, null)).toMatchObject({ seconds: null, boundBy: null });
    expect(estimateBackfill(10, { ...none, caps: [{ ruleId: 'cap', maxInFlight: 2 }] }, null).seconds).toBeNull();
    expect(estimateBackfill(0, none, null).seconds).toBe(0);
  });
});

describe('limitFactsFor', () => {
  const subject = { tenant: 't1', project: 'p1', source: 'nvd', jobType: 'nvd.sync' };
  it('keeps the rules of the tenant (or of every tenant) whose match fits the backfill, by kind', () => {
    const facts = limitFactsFor(
      [
        { id: 'r1', kind: 'rate', tenant: 't1', match: { source: 'nvd' }, ratePerSecond: 2, burst: 5 },
        { id: 'r2', kind: 'rate', tenant: 't2', match: {}, ratePerSecond: 1, burst: 1 },
        { id: 'r3', kind: 'rate', tenant: 't1', match: { source: 'ghsa' }, ratePerSecond: 1, burst: 1 },
        { id: 'c1', kind: 'concurrency', tenant: null, match: { jobType: 'nvd.sync' }, maxInFlight: 3 },
        { id: 'q1', kind: 'quota', tenant: 't1', match: { project: 'p1' }, maxActive: 4, maxPerHour: 100, maxPerDay: null },
        { id: 'b1', kind: 'breaker', tenant: 't1', match: {} },
      ],
      subject,
    );
    expect(facts).toEqual({
      rates: [{ ruleId: 'r1', ratePerSecond: 2, burst: 5 }],
      caps: [{ ruleId: 'c1', maxInFlight: 3 }, { ruleId: 'q1', maxInFlight: 4 }],
      hourly: [{ ruleId: 'q1', max: 100 }],
      daily: [],
    });
  });
});
