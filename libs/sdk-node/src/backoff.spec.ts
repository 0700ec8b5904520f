import { CLAIM_RETRY_BACKOFF, retryDelayMs } from './backoff';

describe('claim retry backoff', () => {
  it('doubles with each consecutive failure', () => {
    const mid = () => 0.5;
    const delays = [1, 2, 3, 4].map((n) => retryDelayMs(n, CLAIM_RETRY_BACKOFF, mid));
    expect(delays[1]).toBe(delays[0] * 2);
    expect(delays[2]).toBe(delays[1] * 2);
    expect(delays[3]).toBe(delays[2] * 2);
  });

  it('never exceeds the cap however many failures', () => {
    expect(retryDelayMs(50, CLAIM_RETRY_BACKOFF, () => 1)).toBe(CLAIM_RETRY_BACKOFF.maxMs);
  });

  it('spreads workers with jitter within half of the ceiling', () => {
    const low = retryDelayMs(3, CLAIM_RETRY_BACKOFF, () => 0);
    const high = retryDelayMs(3, CLAIM_RETRY_BACKOFF, () => 1);
    expect(low).toBe(400);
    expect(high).toBe(800);
  });

  it('treats zero or fractional failure counts as the first failure', () => {
    expect(retryDelayMs(0, CLAIM_RETRY_BACKOFF, () => 1)).toBe(CLAIM_RETRY_BACKOFF.baseMs);
    expect(retryDelayMs(1.7, CLAIM_RETRY_BACKOFF, () => 1)).toBe(CLAIM_RETRY_BACKOFF.baseMs);
  });
});
