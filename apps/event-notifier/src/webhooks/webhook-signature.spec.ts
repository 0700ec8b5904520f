import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signWebhookBody, verifyWebhookSignature, webhookSignatureV1 } from './webhook-signature';

const secret = 'whsec_test-secret';
const body = '{"schemaVersion":"orch.event.v1","eventId":"e-1","note":"héllo"}';

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 under the secret, as hex', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(webhookSignatureV1(secret, 1_700_000_000, body)).toBe(expected);
    expect(signWebhookBody(secret, body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature within the tolerance window', () => {
    const header = signWebhookBody(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_000 })).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_299 }).ok).toBe(true);
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_699_999_701 }).ok).toBe(true);
  });

  it('refuses a replay outside the tolerance window, even with a valid HMAC', () => {
    const header = signWebhookBody(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_301 })).toEqual({ ok: false, reason: expect.stringMatching(/tolerance/) });
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_100, toleranceSeconds: 60 }).ok).toBe(false);
  });

  it('refuses another secret, a changed body and a changed timestamp', () => {
    const header = signWebhookBody(secret, body, 1_700_000_000);
    const now = 1_700_000_000;
    expect(verifyWebhookSignature({ secret: 'whsec_other', header, body, nowSeconds: now })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyWebhookSignature({ secret, header, body: body.replace('e-1', 'e-2'), nowSeconds: now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, header: header.replace('t=1700000000', 't=1700000001'), body, nowSeconds: now }).ok).toBe(false);
  });

  it('accepts any of several v1 signatures (secret rotation) and ignores unknown schemes', () => {
    const good = webhookSignatureV1(secret, 1_700_000_000, body);
    const header = `t=1700000000,v0=abc,v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_000 }).ok).toBe(true);
  });

  it.each([
    [undefined, /missing/],
    ['', /missing/],
    ['v1=abc', /timestamp/],
    ['t=abc,v1=' + '0'.repeat(64), /timestamp/],
    ['t=1700000000', /no v1/],
    ['t=1700000000,v1=XYZ', /no v1/],
  ])('refuses the malformed header %j', (header, reason) => {
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: 1_700_000_000 })).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('generates distinct, prefixed, URL-safe secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
