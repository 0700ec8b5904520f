import { parseDeadLetterStatsQuery, parseListDeadLettersQuery } from './dead-letters.params';
import { encodePageToken } from '../jobs/page-token';

const codeOf = (f: () => unknown): { code?: string; errors?: { path: string }[] } => {
  try {
    f();
  } catch (err) {
    return err as { code: string; errors: { path: string }[] };
  }
  return {};
};

describe('dead-letter queries', () => {
  it('reads every filter, the page and a token this API issued', () => {
    const token = encodePageToken({ createdAt: '2026-12-07T10:00:00.123456Z', id: '0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b' });
    expect(
      parseListDeadLettersQuery({ project: 'p1', jobType: 'nvd.sync', errorCode: 'upstream_503', from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z', replayed: 'false', page_size: '10', page_token: token }),
    ).toEqual({
      selection: { project: 'p1', jobType: 'nvd.sync', errorCode: 'upstream_503', from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z', replayed: false },
      pageSize: 10,
      after: { createdAt: '2026-12-07T10:00:00.123456Z', id: '0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b' },
    });
    expect(parseListDeadLettersQuery({})).toEqual({ selection: {}, pageSize: 50 });
  });

  it('names every bad or unknown parameter at once', () => {
    const err = codeOf(() => parseListDeadLettersQuery({ replayed: 'yes', errorCode: 'a b', jobType: 'a~b', from: '2026-12-08T00:00:00Z', to: '2026-12-01T00:00:00Z', page_token: 'x', tenant: 't2' }));
    expect(err.code).toBe('validation_failed');
    expect(err.errors!.map((e) => e.path).sort()).toEqual(['errorCode', 'jobType', 'page_token', 'replayed', 'tenant', 'to']);
  });

  it('stats take the selection without errorCode, replayed or paging', () => {
    expect(parseDeadLetterStatsQuery({ project: 'p1' })).toEqual({ project: 'p1' });
    expect(codeOf(() => parseDeadLetterStatsQuery({ replayed: 'true', page_size: '1' })).errors!.map((e) => e.path).sort()).toEqual(['page_size', 'replayed']);
  });
});
