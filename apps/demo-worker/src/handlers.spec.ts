import { JobContext, RetryableError } from '@orch/sdk-node';
import { demoHandlers, DemoJobTypes, sleep } from './handlers';

function ctxOf(payload: Record<string, unknown>, attempt = 1, signal = new AbortController().signal) {
  const calls: string[] = [];
  const ctx = {
    jobId: 'j',
    attempt,
    maxAttempts: 3,
    payload,
    signal,
    progress: async (p?: number, m?: string) => void calls.push(`progress ${p} ${m}`),
    log: async (level: string, msg: string) => void calls.push(`log ${level} ${msg}`),
    heartbeat: async () => undefined,
    publishArtifact: async (name: string, data: string, opts?: { mime?: string }) => {
      calls.push(`artifact ${name} ${opts?.mime} ${data}`);
      return { name, size: Buffer.byteLength(data), sha256: 'f'.repeat(64) };
    },
  } as unknown as JobContext;
  return { ctx, calls };
}

const handlers = demoHandlers();

describe('demo handlers', () => {
  it('handles exactly the four demo job types', () => {
    expect(Object.keys(handlers).sort()).toEqual(['demo.echo', 'demo.fail', 'demo.flaky', 'demo.noop']);
  });

  it('demo.echo returns its payload after a log line and a progress report', async () => {
    const { ctx, calls } = ctxOf({ a: 1 });
    await expect(handlers[DemoJobTypes.echo](ctx)).resolves.toEqual({ a: 1 });
    expect(calls).toEqual(['log info echo attempt 1', 'progress 50 echoing']);
  });

  it('demo.echo publishes payload.artifact as the text artifact echo.txt, and still returns its payload', async () => {
    const { ctx, calls } = ctxOf({ artifact: 'hello' });
    await expect(handlers[DemoJobTypes.echo](ctx)).resolves.toEqual({ artifact: 'hello' });
    expect(calls).toEqual([
      'log info echo attempt 1',
      'progress 50 echoing',
      'artifact echo.txt text/plain; charset=utf-8 hello',
      `log info published artifact echo.txt (5 bytes, sha256 ${'f'.repeat(64)})`,
    ]);
  });

  it('demo.echo stops sleeping as soon as its signal aborts', async () => {
    const ac = new AbortController();
    const { ctx } = ctxOf({ sleepMs: 60_000 }, 1, ac.signal);
    const running = Promise.resolve(handlers[DemoJobTypes.echo](ctx));
    const reason = new Error('lease lost');
    ac.abort(reason);
    await expect(running).rejects.toBe(reason);
  });

  it('demo.fail always throws a retryable demo_failure', () => {
    for (const attempt of [1, 2, 3]) {
      let thrown: unknown;
      try {
        handlers[DemoJobTypes.fail](ctxOf({}, attempt).ctx);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RetryableError);
      expect(thrown).toMatchObject({ code: 'demo_failure' });
    }
  });

  it('demo.flaky fails retryably before failUntilAttempt and returns its payload from then on', () => {
    const payload = { failUntilAttempt: 3, x: 'y' };
    expect(() => handlers[DemoJobTypes.flaky](ctxOf(payload, 1).ctx)).toThrow(RetryableError);
    expect(() => handlers[DemoJobTypes.flaky](ctxOf(payload, 2).ctx)).toThrow(RetryableError);
    expect(handlers[DemoJobTypes.flaky](ctxOf(payload, 3).ctx)).toEqual(payload);
  });

  it('demo.noop returns null at once', () => {
    expect(handlers[DemoJobTypes.noop](ctxOf({}).ctx)).toBeNull();
  });

  it('sleep rejects at once on an already aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(sleep(10_000, ac.signal)).rejects.toThrow('gone');
  });
});
