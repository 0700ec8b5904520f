import { OrchError } from '@orch/contracts';
import { isJobId } from './job-id';
import { LIST_PAGE_SIZE_DEFAULT, LOGS_LIMIT_DEFAULT, parseListJobsQuery, parseLogsQuery } from './jobs.params';
import { encodePageToken } from './page-token';

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

describe('list query', () => {
  it('defaults to 50 per page without filters', () => {
    expect(parseListJobsQuery({})).toEqual({ pageSize: LIST_PAGE_SIZE_DEFAULT });
  });

  it('reads every filter and the page token', () => {
    expect(parseListJobsQuery({ status: 'queued', jobType: 'demo.echo', project: 'p1', page_size: '500', page_token: encodePageToken(key) })).toEqual({
      status: 'queued',
      jobType: 'demo.echo',
      project: 'p1',
      pageSize: 500,
      after: key,
    });
  });

  it('lists every bad or unknown parameter at once', () => {
    expect(
      problems(() => parseListJobsQuery({ status: 'done', jobType: 'a b', project: 'P!', page_size: '501', page_token: 'x+', tenant: 't2' })).sort(),
    ).toEqual(['jobType', 'page_size', 'page_token', 'project', 'status', 'tenant']);
  });

  it.each([['0'], ['-1'], ['1.5'], ['ten'], [''], ['1e2'], [['10', '20']]])('refuses page_size %p', (v) => {
    expect(problems(() => parseListJobsQuery({ page_size: v }))).toEqual(['page_size']);
  });

  it('refuses a repeated filter', () => {
    expect(problems(() => parseListJobsQuery({ status: ['queued', 'failed'] }))).toEqual(['status']);
  });
});

describe('logs query', () => {
  it('defaults to 1000 and caps at 10000', () => {
    expect(parseLogsQuery({})).toEqual({ limit: LOGS_LIMIT_DEFAULT });
    expect(parseLogsQuery({ limit: '10000' })).toEqual({ limit: 10_000 });
    expect(problems(() => parseLogsQuery({ limit: '10001' }))).toEqual(['limit']);
    expect(problems(() => parseLogsQuery({ limit: '0', since: 'x' })).sort()).toEqual(['limit', 'since']);
  });
});

describe('job ids', () => {
  it('accepts UUIDs only', () => {
    expect(isJobId(key.id)).toBe(true);
    expect(isJobId(key.id.toUpperCase())).toBe(true);
    for (const bad of ['nope', `${key.id}x`, key.id.replace(/-/g, ''), '', "1' OR '1'='1"]) expect(isJobId(bad)).toBe(false);
  });
});

describe('list query: creation time range', () => {
  it('keeps created_after and created_before as sent, microseconds and offsets included', () => {
    expect(parseListJobsQuery({ created_after: '2026-11-23T10:00:00.123456Z', created_before: '2026-11-23T12:00:00+01:00' })).toEqual({
      pageSize: LIST_PAGE_SIZE_DEFAULT,
      createdAfter: '2026-11-23T10:00:00.123456Z',
      createdBefore: '2026-11-23T12:00:00+01:00',
    });
  });

  it.each([['2026-11-23'], ['2026-11-23T10:00:00'], ['yesterday'], ['2026-02-30T10:00:00Z'], ['2026-11-23T25:00:00Z'], [['2026-11-23T10:00:00Z', '2026-11-24T10:00:00Z']]])(
    'refuses created_after %p',
    (v) => {
      expect(problems(() => parseListJobsQuery({ created_after: v }))).toEqual(['created_after']);
    },
  );

  it('refuses a range whose end is not after its start, naming created_before', () => {
    expect(problems(() => parseListJobsQuery({ created_after: '2026-11-23T10:00:00Z', created_before: '2026-11-23T11:00:00+01:00' }))).toEqual(['created_before']);
  });
});
