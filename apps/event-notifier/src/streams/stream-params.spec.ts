import { parseFrom, parseSequence, parseStreamFilter, singleParam } from './stream-params';

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('stream parameters', () => {
  it('reads from=start and from=new, and uses the stream\'s own default when from is absent', () => {
    expect(parseFrom({}, 'new')).toEqual({ kind: 'new' });
    expect(parseFrom({}, 'start')).toEqual({ kind: 'start' });
    expect(parseFrom({ from: 'start' }, 'new')).toEqual({ kind: 'start' });
    expect(parseFrom({ from: 'new' }, 'start')).toEqual({ kind: 'new' });
    expect(failure(() => parseFrom({ from: 'end' }, 'new'))).toMatchObject({ code: 'validation_failed', errors: [{ path: 'from' }] });
  });

  it('names the parameter in a bad sequence', () => {
    expect(parseSequence(' 12 ', 'since')).toBe(12);
    expect(parseSequence(undefined, 'since')).toBeUndefined();
    expect(failure(() => parseSequence('1.5', 'since'))).toMatchObject({ code: 'validation_failed', errors: [{ path: 'since' }] });
  });

  it('treats empty values as absent and refuses repeated ones', () => {
    expect(singleParam('  ', 'x')).toBeUndefined();
    expect(parseStreamFilter({ project: '', jobType: ' ' })).toEqual({});
    expect(failure(() => parseStreamFilter({ jobType: ['a', 'b'] }))).toMatchObject({ code: 'validation_failed' });
  });
});
