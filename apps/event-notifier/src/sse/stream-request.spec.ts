import { OrchError } from '@orch/contracts';
import { matchesFilter, parseLastEventId, parseStreamRequest, startSequence, StreamRequestInput } from './stream-request';

const input = (query: Record<string, unknown> = {}, headers: Record<string, string | string[] | undefined> = {}): StreamRequestInput => ({ headers, query });

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('parseLastEventId', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    [' 42 ', 42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %d', (raw, seq) => {
    expect(parseLastEventId(raw)).toBe(seq);
  });

  it('treats absent and empty as no resume point', () => {
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId('')).toBeUndefined();
    expect(parseLastEventId('  ')).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', '1e3', '0x10', '12a', '9007199254740993', '12345678901234567'])('refuses %j with validation_failed', (raw) => {
    const err = failure(() => parseLastEventId(raw));
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
  });
});

describe('parseStreamRequest', () => {
  it('keeps the tenant it is given (the token\'s) and ignores the tenant and access_token parameters the auth guard read', () => {
    expect(parseStreamRequest(input({ tenant: 'other', access_token: 'a.b.c' }, { 'x-orch-tenant': 'other' }), 'acme').tenant).toBe('acme');
  });

  it('starts with new events by default and replays the stream with from=start', () => {
    expect(parseStreamRequest(input(), 't').start).toEqual({ kind: 'new' });
    expect(parseStreamRequest(input({ from: 'start' }), 't').start).toEqual({ kind: 'start' });
    expect(failure(() => parseStreamRequest(input({ from: 'yesterday' }), 't'))).toMatchObject({ code: 'validation_failed' });
  });

  it('resumes after Last-Event-ID (header first, then ?lastEventId=), even on a from=start URL', () => {
    expect(parseStreamRequest(input({ from: 'start' }, { 'last-event-id': '7' }), 't').start).toEqual({ kind: 'after', seq: 7 });
    expect(parseStreamRequest(input({ lastEventId: '9' }), 't').start).toEqual({ kind: 'after', seq: 9 });
    expect(parseStreamRequest(input({ lastEventId: '9' }, { 'last-event-id': '7' }), 't').start).toEqual({ kind: 'after', seq: 7 });
    expect(failure(() => parseStreamRequest(input({ lastEventId: 'x' }), 't'))).toMatchObject({ code: 'validation_failed' });
  });

  it('reads the optional filters and validates them', () => {
    expect(parseStreamRequest(input({ project: 'p1', jobType: 'demo.echo', correlationId: 'c-1' }), 't').filter).toEqual({
      project: 'p1',
      jobType: 'demo.echo',
      correlationId: 'c-1',
    });
    expect(parseStreamRequest(input({ project: '' }), 't').filter).toEqual({});
    expect(failure(() => parseStreamRequest(input({ project: 'P.1' }), 't'))).toMatchObject({ code: 'validation_failed' });
    expect(failure(() => parseStreamRequest(input({ jobType: 'a b' }), 't'))).toMatchObject({ code: 'validation_failed' });
    expect(failure(() => parseStreamRequest(input({ correlationId: 'x'.repeat(129) }), 't'))).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a parameter given twice', () => {
    expect(failure(() => parseStreamRequest(input({ project: ['p1', 'p2'] }), 't'))).toMatchObject({ code: 'validation_failed' });
  });
});

describe('startSequence', () => {
  it('resumes right after the last seen id, replays from 1, or starts after the current end', () => {
    expect(startSequence({ kind: 'after', seq: 41 }, 100)).toBe(42);
    expect(startSequence({ kind: 'after', seq: 0 }, 100)).toBe(1);
    expect(startSequence({ kind: 'start' }, 100)).toBe(1);
    expect(startSequence({ kind: 'new' }, 100)).toBe(101);
    expect(startSequence({ kind: 'new' }, 0)).toBe(1);
  });
});

describe('matchesFilter', () => {
  const env = { project: 'p1', jobType: 'demo.echo', correlationId: 'c-1' };

  it('passes everything without filters and requires every given field to match', () => {
    expect(matchesFilter(env, {})).toBe(true);
    expect(matchesFilter(env, { project: 'p1', jobType: 'demo.echo', correlationId: 'c-1' })).toBe(true);
    expect(matchesFilter(env, { project: 'p2' })).toBe(false);
    expect(matchesFilter(env, { project: 'p1', jobType: 'demo.other' })).toBe(false);
    expect(matchesFilter(env, { correlationId: 'c-2' })).toBe(false);
    expect(matchesFilter({ project: 'p1', correlationId: 'c-1' }, { jobType: 'demo.echo' })).toBe(false);
  });
});
