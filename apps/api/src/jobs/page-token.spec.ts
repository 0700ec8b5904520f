import { OrchError } from '@orch/contracts';
import { decodePageToken, encodePageToken } from './page-token';

const key = { createdAt: '2026-11-23T10:00:00.123456Z', id: '01a20811-97c3-729a-8789-0221c6ba0062' };

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    return ((err as OrchError).errors ?? []).map((e) => e.path);
  }
  throw new Error('expected validation_failed');
}

describe('page token', () => {
  it('round-trips a list key and is URL-safe', () => {
    const token = encodePageToken(key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toEqual(key);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ createdAt: key.createdAt, id: key.id })).toString('base64url')],
    ['millisecond timestamp', Buffer.from(JSON.stringify(['2026-11-23T10:00:00.123Z', key.id])).toString('base64url')],
    ['impossible date', Buffer.from(JSON.stringify(['2026-13-45T10:00:00.123456Z', key.id])).toString('base64url')],
    ['SQL in the id', Buffer.from(JSON.stringify([key.createdAt, "x' OR 1=1 --"])).toString('base64url')],
    ['too long', 'A'.repeat(600)],
  ])('refuses a token that is %s', (_what, token) => {
    expect(problems(() => decodePageToken(token))).toEqual(['page_token']);
  });
});
