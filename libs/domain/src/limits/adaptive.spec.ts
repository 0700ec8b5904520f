import fc from 'fast-check';
import {
  AdaptiveState,
  adaptiveFactorAt,
  baseFactorAt,
  DEFAULT_ADAPTIVE_POLICY,
  factorIntegralSeconds,
  fullRecoveryAt,
  isUpstreamThrottleSignal,
  resolveAdaptivePolicy,
} from './adaptive';

describe('adaptive throttling math', () => {
  const held: AdaptiveState = { factor: 0.5, rampFrom: 10_000, holdUntil: 10_000, lastDecreaseAt: 5_000 };

  it('fills unset policy fields with the defaults', () => {
    expect(resolveAdaptivePolicy(undefined)).toEqual(DEFAULT_ADAPTIVE_POLICY);
    expect(resolveAdaptivePolicy({ decreaseFactor: 0.8, minFactor: undefined })).toEqual({ ...DEFAULT_ADAPTIVE_POLICY, decreaseFactor: 0.8 });
  });

  it('treats 429 and every 5xx as a signal to slow down, nothing else', () => {
    expect([429, 500, 503, 599].map(isUpstreamThrottleSignal)).toEqual([true, true, true, true]);
    expect([200, 404, 408, 600, 0].map(isUpstreamThrottleSignal)).toEqual([false, false, false, false, false]);
  });

  it('is zero during the hold, the decreased factor at the hold’s end, then climbs linearly to 1', () => {
    expect(adaptiveFactorAt(held, 9_999, 0.1)).toBe(0);
    expect(adaptiveFactorAt(held, 10_000, 0.1)).toBe(0.5);
    expect(adaptiveFactorAt(held, 12_000, 0.1)).toBeCloseTo(0.7);
    expect(adaptiveFactorAt(held, 15_000, 0.1)).toBe(1);
    expect(adaptiveFactorAt(held, 99_000, 0.1)).toBe(1);
    expect(fullRecoveryAt(held, 0.1)).toBe(15_000);
    expect(adaptiveFactorAt(undefined, 0, 0.1)).toBe(1);
  });

  it('keeps the base factor (the rate to resume at) visible during the hold', () => {
    expect(baseFactorAt(held, 9_000, 0.1)).toBe(0.5);
  });

  it('integrates the factor exactly across hold, flat, ramp and full pieces', () => {
    const flat: AdaptiveState = { factor: 0.25, rampFrom: 4_000, holdUntil: 2_000, lastDecreaseAt: 0 };
    // hold 0–2 s: 0; flat 2–4 s: 0.25·2; ramp 4–6.5 s (0.25→1 at 0.3/s): 0.625·2.5; full 6.5–8 s: 1.5
    expect(factorIntegralSeconds(flat, 0, 8_000, 0.3)).toBeCloseTo(0.5 + 1.5625 + 1.5, 9);
    expect(factorIntegralSeconds(undefined, 1_000, 3_500, 0.3)).toBe(2.5);
    expect(factorIntegralSeconds(flat, 5_000, 5_000, 0.3)).toBe(0);
  });

  it('matches a fine numeric sum of the factor over any interval', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        (factor, decreaseAt, holdMs, k, from, length) => {
          const state: AdaptiveState = {
            factor,
            rampFrom: decreaseAt + holdMs,
            holdUntil: holdMs > 0 ? decreaseAt + holdMs : null,
            lastDecreaseAt: decreaseAt,
          };
          let sum = 0;
          for (let t = from; t < from + length; t += 1) sum += adaptiveFactorAt(state, t + 0.5, k) / 1000;
          expect(factorIntegralSeconds(state, from, from + length, k)).toBeCloseTo(sum, 2);
        },
      ),
      { numRuns: 60 },
    );
  });
});
