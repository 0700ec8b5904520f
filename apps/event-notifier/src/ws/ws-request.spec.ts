import { parseWsStreamRequest } from './ws-request';

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('parseWsStreamRequest', () => {
  it('starts with new events by default, replays with from=start, and resumes after since (which wins over from)', () => {
    expect(parseWsStreamRequest({}, 'acme').start).toEqual({ kind: 'new' });
    expect(parseWsStreamRequest({ from: 'start' }, 'acme').start).toEqual({ kind: 'start' });
    expect(parseWsStreamRequest({ since: '41' }, 'acme').start).toEqual({ kind: 'after', seq: 41 });
    expect(parseWsStreamRequest({ since: '0', from: 'start' }, 'acme').start).toEqual({ kind: 'after', seq: 0 });
  });

  it('keeps the token\'s tenant whatever the query says, and reads the filters', () => {
    const r = parseWsStreamRequest({ tenant: 'other', access_token: 'a.b.c', project: 'p1', jobType: 'demo.echo', correlationId: 'c-1' }, 'acme');
    expect(r).toEqual({ tenant: 'acme', start: { kind: 'new' }, filter: { project: 'p1', jobType: 'demo.echo', correlationId: 'c-1' } });
  });

  it.each([{ since: 'seven' }, { since: '-1' }, { since: ['1', '2'] }, { from: 'yesterday' }, { project: 'P.1' }])('refuses %j with validation_failed', (query) => {
    expect(failure(() => parseWsStreamRequest(query, 'acme'))).toMatchObject({ code: 'validation_failed', status: 400 });
  });
});
