import { admitProbe, advanceBreaker, BreakerConfig, breakerAdmits, breakerCounts, BreakerState, closedBreaker, recordOutcome, releaseProbe } from './breaker';

const config: BreakerConfig = { failureRateThreshold: 0.5, minOutcomes: 4, windowMs: 10_000, openMs: 30_000, halfOpenProbes: 2 };
const ok = { success: true };
const ko = { success: false };

function run(outcomes: { success: boolean }[], start = 0, stepMs = 100, state?: BreakerState): BreakerState {
  let s = state;
  outcomes.forEach((o, i) => (s = recordOutcome(s, o, start + i * stepMs, config).state));
  return s!;
}

function opened(at = 0): BreakerState {
  const step = recordOutcome(run([ok, ko, ko], at), ko, at + 300, config);
  expect(step.state.status).toBe('open');
  return step.state;
}

describe('circuit breaker', () => {
  it('stays closed until the window holds minOutcomes, however bad the rate', () => {
    const step = recordOutcome(run([ko, ko]), ko, 200, config);
    expect(step.state.status).toBe('closed');
    expect(step.transitions).toEqual([]);
    expect(breakerCounts(step.state, 200, config)).toEqual({ failures: 3, total: 3 });
  });

  it('opens when a failure brings the rate to the threshold, with a transition saying why', () => {
    const step = recordOutcome(run([ok, ok, ko]), ko, 300, config);
    expect(step.state).toMatchObject({ status: 'open', since: 300, openUntil: 30_300 });
    expect(step.transitions).toEqual([
      { from: 'closed', to: 'open', at: 300, reason: 'failure_rate', detail: expect.stringContaining('2/4 failed') },
    ]);
  });

  it('stays closed below the threshold', () => {
    expect(recordOutcome(run([ok, ok, ok]), ko, 300, config).state.status).toBe('closed');
  });

  it('forgets outcomes that slid out of the window', () => {
    const old = run([ko, ko, ko], 0);
    const step = recordOutcome(old, ko, 20_000, config);
    expect(step.state.status).toBe('closed');
    expect(breakerCounts(step.state, 20_000, config)).toEqual({ failures: 1, total: 1 });
    expect(step.state.window).toHaveLength(1);
  });

  it('keeps the window in at most windowBuckets buckets', () => {
    const s = run(Array.from({ length: 200 }, () => ok), 0, 37);
    expect(s.window.length).toBeLessThanOrEqual(10);
    expect(s.window.every((b, i) => i === 0 || b.start > s.window[i - 1].start)).toBe(true);
  });

  it('counts an outcome from a clock that stepped back in the newest bucket', () => {
    const s = run([ok], 5_000);
    expect(recordOutcome(s, ok, 1_000, config).state.window).toEqual([{ start: 5_000, successes: 2, failures: 0 }]);
  });

  it('refuses jobs while open, naming the end of the cooldown', () => {
    expect(breakerAdmits(opened(), 29_999, config)).toEqual({ admit: false, probe: false, nextEligibleAt: 30_300 });
  });

  it('admits everything while closed or unknown', () => {
    expect(breakerAdmits(undefined, 0, config)).toEqual({ admit: true, probe: false, nextEligibleAt: null });
    expect(breakerAdmits(closedBreaker(0), 0, config).admit).toBe(true);
  });

  it('turns half-open when the cooldown ends, as of the cooldown’s end', () => {
    const step = advanceBreaker(opened(), 40_000);
    expect(step.state).toMatchObject({ status: 'half_open', since: 30_300, probesInFlight: 0 });
    expect(step.transitions).toEqual([{ from: 'open', to: 'half_open', at: 30_300, reason: 'cooldown_elapsed', detail: expect.any(String) }]);
    expect(advanceBreaker(step.state, 50_000).transitions).toEqual([]);
  });

  it('admits at most halfOpenProbes probes, then waits for their results', () => {
    let s = advanceBreaker(opened(), 30_300).state;
    expect(breakerAdmits(s, 30_300, config)).toEqual({ admit: true, probe: true, nextEligibleAt: null });
    s = admitProbe(admitProbe(s));
    expect(breakerAdmits(s, 30_400, config)).toEqual({ admit: false, probe: false, nextEligibleAt: null });
    s = releaseProbe(s, s.since);
    expect(breakerAdmits(s, 30_500, config).probe).toBe(true);
  });

  it('treats an open breaker past its cooldown as half-open when asked', () => {
    expect(breakerAdmits(opened(), 30_300, config)).toEqual({ admit: true, probe: true, nextEligibleAt: null });
  });

  it('closes after halfOpenProbes probe successes', () => {
    const half = advanceBreaker(opened(), 30_300).state;
    const one = recordOutcome(half, ok, 31_000, config);
    expect(one.state).toMatchObject({ status: 'half_open', probeSuccesses: 1 });
    expect(one.transitions).toEqual([]);
    const two = recordOutcome(one.state, ok, 32_000, config);
    expect(two.state).toEqual(closedBreaker(32_000));
    expect(two.transitions).toEqual([{ from: 'half_open', to: 'closed', at: 32_000, reason: 'probes_succeeded', detail: '2/2 probes succeeded' }]);
  });

  it('reopens for another cooldown when a probe fails', () => {
    const step = recordOutcome(advanceBreaker(opened(), 30_300).state, ko, 31_000, config);
    expect(step.state).toMatchObject({ status: 'open', since: 31_000, openUntil: 61_000, probeSuccesses: 0 });
    expect(step.transitions.map((t) => [t.from, t.to, t.reason])).toEqual([['half_open', 'open', 'probe_failed']]);
  });

  it('reports both transitions when an outcome arrives after the cooldown ended unobserved', () => {
    const step = recordOutcome(opened(), ko, 40_000, config);
    expect(step.transitions.map((t) => `${t.from}>${t.to}@${t.at}`)).toEqual(['open>half_open@30300', 'half_open>open@40000']);
  });

  it('ignores outcomes while open, and half-open outcomes of jobs admitted before probing began', () => {
    const open = opened();
    expect(recordOutcome(open, ko, 1_000, config)).toEqual({ state: open, transitions: [] });
    const half = advanceBreaker(open, 30_300).state;
    expect(recordOutcome(half, ko, 31_000, { ...config }).state.status).toBe('open');
    expect(recordOutcome(half, { success: false, admittedAt: 200 }, 31_000, config)).toEqual({ state: half, transitions: [] });
  });

  it('frees a probe slot only for the half-open period it was taken in', () => {
    const half = admitProbe(advanceBreaker(opened(), 30_300).state);
    expect(releaseProbe(half, 12)).toBe(half);
    expect(releaseProbe(closedBreaker(0), 0).probesInFlight).toBe(0);
    expect(releaseProbe(releaseProbe(half, half.since), half.since).probesInFlight).toBe(0);
  });
});
