import { currentContext, runWithContext } from './context';

describe('log context', () => {
  it('is empty outside any runWithContext', () => {
    expect(currentContext()).toEqual({});
  });

  it('merges inner fields over outer ones and restores the outer context afterwards', () => {
    runWithContext({ correlationId: 'c-1', tenant: 'acme' }, () => {
      runWithContext({ tenant: 'globex', jobId: 'j-1' }, () => {
        expect(currentContext()).toEqual({ correlationId: 'c-1', tenant: 'globex', jobId: 'j-1' });
      });
      expect(currentContext()).toEqual({ correlationId: 'c-1', tenant: 'acme' });
    });
    expect(currentContext()).toEqual({});
  });

  it('keeps the outer value when an inner field is undefined', () => {
    runWithContext({ project: 'p-1' }, () => {
      runWithContext({ project: undefined, jobType: 'crawl' }, () => {
        expect(currentContext()).toEqual({ project: 'p-1', jobType: 'crawl' });
      });
    });
  });

  it('follows async work started inside and isolates concurrent runs', async () => {
    const seen = await Promise.all(
      ['a', 'b'].map((tenant) =>
        runWithContext({ tenant }, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return currentContext().tenant;
        }),
      ),
    );
    expect(seen).toEqual(['a', 'b']);
  });

  it('returns what fn returns', () => {
    expect(runWithContext({ jobId: 'j' }, () => 42)).toBe(42);
  });
});
