import { OrchError } from '@orch/contracts';
import { encodePageToken } from '../jobs/page-token';
import { decodeAuditPageToken, encodeAuditPageToken, parseAuditQuery } from './audit.params';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    return ((err as OrchError).errors ?? []).map((e) => e.path).sort();
  }
  throw new Error('expected validation_failed');
}

describe('audit query', () => {
  it('reads every filter and continues after the seq in the page token', () => {
    expect(
      parseAuditQuery({
        action: 'job.cancel',
        targetType: 'job',
        targetId: '01a20811-97c3-729a-8789-0221c6ba0062',
        project: 'p1',
        from: '2026-11-23T00:00:00Z',
        to: '2026-11-24T00:00:00Z',
        page_size: '2',
        page_token: encodeAuditPageToken(41),
      }),
    ).toEqual({
      action: 'job.cancel',
      targetType: 'job',
      targetId: '01a20811-97c3-729a-8789-0221c6ba0062',
      project: 'p1',
      from: '2026-11-23T00:00:00Z',
      to: '2026-11-24T00:00:00Z',
      pageSize: 2,
      afterSeq: 41,
    });
  });

  it('lists every bad or unknown parameter at once', () => {
    expect(problems(() => parseAuditQuery({ action: 'cancel', targetType: 'Job', targetId: 'a b', from: 'x', page_size: '0', tenant: 't' }))).toEqual([
      'action',
      'from',
      'page_size',
      'targetId',
      'targetType',
      'tenant',
    ]);
  });

  it('refuses a page token of the jobs list and anything it did not issue', () => {
    for (const token of [encodePageToken({ createdAt: '2026-11-23T10:00:00.123456Z', id: '01a20811-97c3-729a-8789-0221c6ba0062' }), 'x', encodeAuditPageToken(0), 'YS4xMg+']) {
      expect(problems(() => parseAuditQuery({ page_token: token }))).toEqual(['page_token']);
    }
    expect(decodeAuditPageToken(encodeAuditPageToken(123_456_789))).toBe(123_456_789);
  });
});
