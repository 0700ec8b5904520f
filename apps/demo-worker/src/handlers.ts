import { JobContext, JobHandler, RetryableError } from '@orch/sdk-node';

/** Job types the demo worker runs. */
export const DemoJobTypes = {
  echo: 'demo.echo',
  fail: 'demo.fail',
  flaky: 'demo.flaky',
  noop: 'demo.noop',
} as const;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const numberOr = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** Name of the artifact `demo.echo` publishes for a payload with `artifact` (docs/artifacts.md). */
export const ECHO_ARTIFACT_NAME = 'echo.txt';

/**
 * `demo.echo`: logs a line, reports progress, sleeps `payload.sleepMs` (honouring the signal), returns the payload.
 * With a string `payload.artifact` it first publishes that text as the artifact `echo.txt` (text/plain).
 */
export const echo: JobHandler = async (ctx: JobContext) => {
  const sleepMs = Math.max(0, numberOr(ctx.payload['sleepMs'], 0));
  await ctx.log('info', `echo attempt ${ctx.attempt}${sleepMs ? `, sleeping ${sleepMs} ms` : ''}`);
  await ctx.progress(50, 'echoing');
  const text = ctx.payload['artifact'];
  if (typeof text === 'string') {
    const artifact = await ctx.publishArtifact(ECHO_ARTIFACT_NAME, text, { mime: 'text/plain; charset=utf-8' });
    await ctx.log('info', `published artifact ${artifact.name} (${artifact.size} bytes, sha256 ${artifact.sha256})`);
  }
  if (sleepMs > 0) await sleep(sleepMs, ctx.signal);
  return ctx.payload;
};

/** `demo.fail`: always fails, retryably, so it ends in the dead-letter set once attempts run out. */
export const fail: JobHandler = (ctx: JobContext) => {
  throw new RetryableError('demo_failure', `demo.fail fails on purpose (attempt ${ctx.attempt} of ${ctx.maxAttempts})`);
};

/** `demo.flaky`: fails retryably while `attempt < payload.failUntilAttempt`, then returns the payload. */
export const flaky: JobHandler = (ctx: JobContext) => {
  const until = numberOr(ctx.payload['failUntilAttempt'], 2);
  if (ctx.attempt < until) throw new RetryableError('demo_flaky', `demo.flaky fails until attempt ${until} (this is ${ctx.attempt})`);
  return ctx.payload;
};

/** `demo.noop`: returns null at once (the benchmark's job). */
export const noop: JobHandler = () => null;

/** Every demo handler by job type. */
export function demoHandlers(): Record<string, JobHandler> {
  return { [DemoJobTypes.echo]: echo, [DemoJobTypes.fail]: fail, [DemoJobTypes.flaky]: flaky, [DemoJobTypes.noop]: noop };
}
