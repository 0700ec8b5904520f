import { Allocation, ArtifactView, JobError, OrchError } from '@orch/contracts';
import { NonRetryableError, RetryableError, WorkerStoppingError, LeaseLostError } from './errors';
import { ErrorInfo, JobApi, JobHandler, JobRun } from './job-run';
import { silentLogger } from './logger';
import type { PublishArtifactOptions } from './worker-client';

const allocation = (over: Partial<Allocation> = {}): Allocation => ({
  jobId: '0192f0a0-0000-7000-8000-000000000001',
  tenant: 't',
  project: 'p',
  jobType: 'demo.echo',
  source: null,
  attempt: 1,
  maxAttempts: 3,
  leaseId: '0192f0a0-0000-7000-8000-0000000000aa',
  fencingToken: 1,
  leaseMs: 30_000,
  leaseExpiresAt: new Date(Date.now() + 30_000).toISOString(),
  heartbeatMs: 10_000,
  idempotencyKey: 'orch-x-1',
  retryHint: { attemptsLeft: 2, nextBackoffMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 300_000 },
  payload: { hello: 'world' },
  priority: 5,
  correlationId: 'corr-1',
  ...over,
});

const stale = () => new OrchError('staleLease', 'lease is not current', { retryable: false });
const down = () => new OrchError('unavailable', 'no lease-broker answers', { retryable: true });
const lease = { leaseExpiresAt: new Date().toISOString(), cancelRequested: false };

/** A scripted server: records calls; each verb answers from its queue of outcomes, else succeeds. */
class FakeApi implements JobApi {
  readonly calls: { verb: string; arg?: unknown }[] = [];
  readonly script: Record<string, (Error | undefined)[]> = {};
  private beatListeners: (() => void)[] = [];

  private next(verb: string): void {
    const err = this.script[verb]?.shift();
    if (err) throw err;
  }

  beats(): number {
    return this.calls.filter((c) => c.verb === 'heartbeat').length;
  }

  /** Resolves once `n` heartbeats were sent. */
  untilBeats(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.beats() >= n) resolve();
        else this.beatListeners.push(check);
      };
      check();
    });
  }

  async start() {
    this.calls.push({ verb: 'start' });
    this.next('start');
    return lease;
  }
  async heartbeat() {
    this.calls.push({ verb: 'heartbeat' });
    const listeners = this.beatListeners;
    this.beatListeners = [];
    try {
      this.next('heartbeat');
      return lease;
    } finally {
      listeners.forEach((l) => l());
    }
  }
  async progress(_l: unknown, percent?: number, message?: string) {
    this.calls.push({ verb: 'progress', arg: { percent, message } });
    this.next('progress');
    return lease;
  }
  async complete(_l: unknown, result: unknown) {
    this.calls.push({ verb: 'complete', arg: result });
    this.next('complete');
    return { status: 'succeeded' as const };
  }
  async fail(_l: unknown, error: JobError) {
    this.calls.push({ verb: 'fail', arg: error });
    this.next('fail');
    return { status: 'queued' as const };
  }
  async upstream() {
    return { slowed: [] };
  }
  async publishArtifact(_l: unknown, name: string, _data: unknown, options: PublishArtifactOptions): Promise<ArtifactView> {
    this.calls.push({ verb: 'artifact', arg: { name, mime: options.mime, maxBytes: options.maxBytes, hasSignal: options.signal instanceof AbortSignal } });
    this.next('artifact');
    return { id: 'a-1', jobId: allocation().jobId, attempt: 1, name, uri: `nats-obj://b/${name}`, sha256: 'c'.repeat(64), size: 2, mime: options.mime ?? 'application/octet-stream', createdAt: new Date().toISOString() };
  }

  async log(_l: unknown, level: string, message: string) {
    this.calls.push({ verb: 'log', arg: { level, message } });
    this.next('log');
  }
}

function runOf(api: FakeApi, handler: JobHandler, over: Partial<Allocation> = {}, reportRetryMaxMs = 5_000) {
  const errors: ErrorInfo[] = [];
  const run = new JobRun(api, allocation(over), handler, {
    reportRetryMaxMs,
    logger: silentLogger,
    onError: (_err, info) => errors.push(info),
    random: () => 0,
  });
  return { run, errors };
}

const verbs = (api: FakeApi) => api.calls.map((c) => c.verb);

describe('JobRun', () => {
  it('starts the job, hands the handler its context and completes with the result', async () => {
    const api = new FakeApi();
    let seen: unknown;
    const { run } = runOf(api, (ctx) => {
      seen = { jobId: ctx.jobId, attempt: ctx.attempt, payload: ctx.payload, key: ctx.idempotencyKey, token: ctx.fencingToken, aborted: ctx.signal.aborted };
      return { echoed: ctx.payload };
    });
    await expect(run.run()).resolves.toMatchObject({ kind: 'completed', status: 'succeeded' });
    expect(seen).toEqual({ jobId: allocation().jobId, attempt: 1, payload: { hello: 'world' }, key: 'orch-x-1', token: 1, aborted: false });
    expect(api.calls).toEqual([{ verb: 'start' }, { verb: 'complete', arg: { echoed: { hello: 'world' } } }]);
  });

  it('completes with null when the handler returns nothing', async () => {
    const api = new FakeApi();
    await runOf(api, () => undefined).run.run();
    expect(api.calls[1]).toEqual({ verb: 'complete', arg: null });
  });

  it('fails retryably with the code of a RetryableError', async () => {
    const api = new FakeApi();
    const { run } = runOf(api, () => {
      throw new RetryableError('demo_failure', 'nope', { retryAfterMs: 200 });
    });
    await expect(run.run()).resolves.toMatchObject({ kind: 'failed', error: { code: 'demo_failure', retryable: true, retryAfterMs: 200 } });
    expect(api.calls[1]).toEqual({ verb: 'fail', arg: { code: 'demo_failure', message: 'nope', retryable: true, retryAfterMs: 200 } });
  });

  it('fails for good on a NonRetryableError', async () => {
    const api = new FakeApi();
    await runOf(api, async () => {
      throw new NonRetryableError('bad_input', 'cannot parse');
    }).run.run();
    expect(api.calls[1]).toEqual({ verb: 'fail', arg: { code: 'bad_input', message: 'cannot parse', retryable: false } });
  });

  it('fails retryably with handler_error on any other throw, and tells onError', async () => {
    const api = new FakeApi();
    const { run, errors } = runOf(api, () => {
      throw new RangeError('boom');
    });
    await run.run();
    expect(api.calls[1]).toEqual({ verb: 'fail', arg: { code: 'handler_error', message: 'RangeError: boom', retryable: true } });
    expect(errors).toEqual([{ phase: 'handler', jobId: allocation().jobId, attempt: 1 }]);
  });

  it('heartbeats every heartbeatMs while the handler runs, and stops after', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeApi();
      let release!: () => void;
      const { run } = runOf(api, () => new Promise<void>((r) => (release = r)), { heartbeatMs: 1_000 });
      const outcome = run.run();
      await jest.advanceTimersByTimeAsync(999);
      expect(api.beats()).toBe(0);
      await jest.advanceTimersByTimeAsync(2_001);
      expect(api.beats()).toBe(3);
      release();
      await expect(outcome).resolves.toMatchObject({ kind: 'completed' });
      await jest.advanceTimersByTimeAsync(10_000);
      expect(api.beats()).toBe(3);
      expect(verbs(api).slice(-1)).toEqual(['complete']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('aborts the signal with lease_lost when a heartbeat is refused, and reports nothing', async () => {
    const api = new FakeApi();
    api.script['heartbeat'] = [stale()];
    let reason: unknown;
    const { run } = runOf(
      api,
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
      { heartbeatMs: 5 },
    );
    await expect(run.run()).resolves.toMatchObject({ kind: 'lease_lost' });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).code).toBe('lease_lost');
    expect(verbs(api)).toEqual(['start', 'heartbeat']);
  });

  it('keeps heartbeating through transient heartbeat failures', async () => {
    const api = new FakeApi();
    api.script['heartbeat'] = [down(), down()];
    const { run, errors } = runOf(api, () => api.untilBeats(4), { heartbeatMs: 5 });
    await expect(run.run()).resolves.toMatchObject({ kind: 'completed' });
    expect(errors.filter((e) => e.phase === 'heartbeat')).toHaveLength(2);
  });

  it('gives the lease up once no heartbeat got through for a whole lease', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeApi();
      api.script['heartbeat'] = Array.from({ length: 100 }, down);
      const { run } = runOf(
        api,
        (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        { heartbeatMs: 1_000, leaseMs: 3_000 },
      );
      const outcome = run.run();
      await jest.advanceTimersByTimeAsync(2_000);
      expect(api.beats()).toBe(2);
      await jest.advanceTimersByTimeAsync(1_000);
      await expect(outcome).resolves.toMatchObject({ kind: 'lease_lost', reason: expect.stringContaining('3000 ms') });
      expect(verbs(api)).not.toContain('fail');
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a complete the server could not take, then succeeds', async () => {
    const api = new FakeApi();
    api.script['complete'] = [down(), down()];
    const { run, errors } = runOf(api, () => 42);
    await expect(run.run()).resolves.toMatchObject({ kind: 'completed' });
    expect(verbs(api)).toEqual(['start', 'complete', 'complete', 'complete']);
    expect(errors.map((e) => e.phase)).toEqual(['complete', 'complete']);
  });

  it('still retries the complete of a handler that ran longer than the report retry budget', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeApi();
      api.script['complete'] = [down()];
      const { run } = runOf(api, () => new Promise((r) => setTimeout(() => r('late'), 10_000)), { heartbeatMs: 60_000 }, 1_000);
      const outcome = run.run();
      await jest.advanceTimersByTimeAsync(10_000);
      await jest.advanceTimersByTimeAsync(500);
      await expect(outcome).resolves.toMatchObject({ kind: 'completed' });
      expect(verbs(api)).toEqual(['start', 'complete', 'complete']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('moves on without retrying when the complete is refused as stale', async () => {
    const api = new FakeApi();
    api.script['complete'] = [stale()];
    await expect(runOf(api, () => 1).run.run()).resolves.toMatchObject({ kind: 'lease_lost' });
    expect(verbs(api)).toEqual(['start', 'complete']);
  });

  it('gives up reporting after reportRetryMaxMs and leaves the job to lease expiry', async () => {
    const api = new FakeApi();
    api.script['fail'] = Array.from({ length: 1000 }, down);
    const { run } = runOf(api, () => Promise.reject(new Error('x')), {}, 50);
    await expect(run.run()).resolves.toMatchObject({ kind: 'abandoned' });
    expect(api.calls.filter((c) => c.verb === 'fail').length).toBeGreaterThan(1);
  });

  it('does not run the handler when start is refused as stale', async () => {
    const api = new FakeApi();
    api.script['start'] = [stale()];
    const handler = jest.fn();
    await expect(runOf(api, handler).run.run()).resolves.toMatchObject({ kind: 'lease_lost' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('reports a job aborted by a stopping worker as a retryable worker_stopping failure', async () => {
    const api = new FakeApi();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { run } = runOf(api, (ctx) => {
      started();
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    const outcome = run.run();
    await running;
    run.abort();
    await expect(outcome).resolves.toMatchObject({ kind: 'failed', error: { code: 'worker_stopping', retryable: true } });
    expect(new WorkerStoppingError().code).toBe('worker_stopping');
  });

  it('passes progress through, and aborts with lease_lost when progress is refused', async () => {
    const api = new FakeApi();
    api.script['progress'] = [undefined, stale()];
    let second: unknown;
    const { run } = runOf(api, async (ctx) => {
      await ctx.progress(10, 'a');
      second = await ctx.progress(20).catch((e: unknown) => e);
      return ctx.signal.aborted;
    });
    await expect(run.run()).resolves.toMatchObject({ kind: 'lease_lost' });
    expect(api.calls.find((c) => c.verb === 'progress')?.arg).toEqual({ percent: 10, message: 'a' });
    expect(second).toMatchObject({ code: 'stale_lease' });
  });

  it('publishes artifacts with the allocation\'s size limit and the job\'s signal, refusing a name twice in one attempt', async () => {
    const api = new FakeApi();
    let second: unknown;
    const { run } = runOf(
      api,
      async (ctx) => {
        const a = await ctx.publishArtifact('out/report.txt', 'hi', { mime: 'text/plain' });
        second = await ctx.publishArtifact('out/report.txt', 'again').catch((e: unknown) => e);
        return { artifactId: a.id };
      },
      { artifactMaxBytes: 1234 },
    );
    await expect(run.run()).resolves.toMatchObject({ kind: 'completed' });
    expect(api.calls.filter((c) => c.verb === 'artifact')).toEqual([{ verb: 'artifact', arg: { name: 'out/report.txt', mime: 'text/plain', maxBytes: 1234, hasSignal: true } }]);
    expect(second).toMatchObject({ code: 'artifact_exists', retryable: false });
    expect(api.calls.at(-1)).toEqual({ verb: 'complete', arg: { artifactId: 'a-1' } });
  });

  it('aborts with lease_lost when an artifact is refused as stale, and lets the name be tried again after another failure', async () => {
    const api = new FakeApi();
    api.script['artifact'] = [down(), stale()];
    let retried: unknown;
    let reason: unknown;
    const { run } = runOf(api, async (ctx) => {
      await ctx.publishArtifact('a.bin', new Uint8Array([1])).catch(() => undefined);
      retried = await ctx.publishArtifact('a.bin', new Uint8Array([1])).catch((e: unknown) => e);
      reason = ctx.signal.reason;
      throw reason;
    });
    await expect(run.run()).resolves.toMatchObject({ kind: 'lease_lost' });
    expect(api.calls.filter((c) => c.verb === 'artifact')).toHaveLength(2);
    expect(retried).toMatchObject({ code: 'stale_lease' });
    expect(reason).toBeInstanceOf(LeaseLostError);
  });

  it('never lets a failed log line fail the job', async () => {
    const api = new FakeApi();
    api.script['log'] = [down()];
    const { run, errors } = runOf(api, async (ctx) => {
      await ctx.log('info', 'hello');
      return 'ok';
    });
    await expect(run.run()).resolves.toMatchObject({ kind: 'completed' });
    expect(errors.map((e) => e.phase)).toEqual(['log']);
  });
});
