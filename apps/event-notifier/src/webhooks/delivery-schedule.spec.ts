import { isDeliverySuccess, nextAfterAttempt, responseExcerpt, retryCeilingsMs, WEBHOOK_BACKOFF_JITTER } from './delivery-schedule';

const policy = { maxAttempts: 8, backoff: { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER } };

describe('webhook delivery schedule', () => {
  it('counts only 2xx as delivered', () => {
    expect([200, 201, 204, 299].map(isDeliverySuccess)).toEqual([true, true, true, true]);
    expect([null, 100, 199, 301, 302, 400, 410, 500, 503].map(isDeliverySuccess)).toEqual(Array(9).fill(false));
  });

  it('succeeds on success whatever the attempt', () => {
    expect(nextAfterAttempt(1, true, policy)).toEqual({ status: 'succeeded' });
    expect(nextAfterAttempt(8, true, policy)).toEqual({ status: 'succeeded' });
  });

  it('retries with exponential backoff: between half and all of base·2^(n−1)', () => {
    expect(nextAfterAttempt(1, false, policy, () => 0)).toEqual({ status: 'failed', delayMs: 500 });
    expect(nextAfterAttempt(1, false, policy, () => 1)).toEqual({ status: 'failed', delayMs: 1_000 });
    expect(nextAfterAttempt(2, false, policy, () => 0)).toEqual({ status: 'failed', delayMs: 1_000 });
    expect(nextAfterAttempt(3, false, policy, () => 1)).toEqual({ status: 'failed', delayMs: 4_000 });
    expect(nextAfterAttempt(7, false, policy, () => 0.5)).toEqual({ status: 'failed', delayMs: 48_000 });
  });

  it('caps the delay at the maximum', () => {
    const capped = { maxAttempts: 20, backoff: { ...policy.backoff, maxMs: 10_000 } };
    expect(nextAfterAttempt(15, false, capped, () => 1)).toEqual({ status: 'failed', delayMs: 10_000 });
  });

  it('gives up (dead) after the last attempt of the round', () => {
    expect(nextAfterAttempt(8, false, policy)).toEqual({ status: 'dead' });
    expect(nextAfterAttempt(9, false, policy)).toEqual({ status: 'dead' });
    expect(nextAfterAttempt(1, false, { ...policy, maxAttempts: 1 })).toEqual({ status: 'dead' });
  });

  it('documents the default schedule: 1 s, 2 s, 4 s … 64 s between eight attempts', () => {
    expect(retryCeilingsMs(policy)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
    expect(retryCeilingsMs({ ...policy, maxAttempts: 1 })).toEqual([]);
  });
});

describe('responseExcerpt', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('keeps a short body as it is and an empty one as null', () => {
    expect(responseExcerpt(enc('{"ok":false}'))).toBe('{"ok":false}');
    expect(responseExcerpt(new Uint8Array())).toBeNull();
  });

  it('keeps at most 1 KiB', () => {
    expect(responseExcerpt(enc('x'.repeat(5_000)))).toBe('x'.repeat(1_024));
  });

  it('drops a multi-byte character cut at the limit and stays within the byte limit', () => {
    const text = `${'a'.repeat(1_023)}é and more`;
    const out = responseExcerpt(enc(text))!;
    expect(out).toBe('a'.repeat(1_023));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1_024);
    const wide = responseExcerpt(enc('€'.repeat(500)), 10)!;
    expect(wide).toBe('€€€');
  });

  it('removes NUL characters', () => {
    expect(responseExcerpt(enc('a\0b'))).toBe('ab');
  });
});
