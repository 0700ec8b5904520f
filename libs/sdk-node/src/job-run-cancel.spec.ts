import { Allocation, JobError, LeaseResult } from '@orch/contracts';
import { JobCanceledError, jobErrorOf, LeaseLostError } from './errors';
import { JobApi, JobContext, JobHandler, JobRun } from './job-run';
import { silentLogger } from './logger';

const allocation: Allocation = {
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
  payload: {},
  priority: 5,
  correlationId: 'corr-1',
};

/** A server whose start/heartbeat/progress replies say `cancelRequested` as told; fail answers `canceled`. */
class CancelingApi implements JobApi {
  readonly calls: { verb: string; arg?: unknown }[] = [];
  cancelOnStart = false;
  cancelOnRenew = false;

  private lease(cancel: boolean): LeaseResult {
    return { leaseExpiresAt: new Date().toISOString(), cancelRequested: cancel };
  }
  async start() {
    this.calls.push({ verb: 'start' });
    return this.lease(this.cancelOnStart);
  }
  async heartbeat() {
    this.calls.push({ verb: 'heartbeat' });
    return this.lease(this.cancelOnRenew);
  }
  async progress() {
    this.calls.push({ verb: 'progress' });
    return this.lease(this.cancelOnRenew);
  }
  async complete(_l: unknown, result: unknown) {
    this.calls.push({ verb: 'complete', arg: result });
    return { status: 'succeeded' as const };
  }
  async fail(_l: unknown, error: JobError) {
    this.calls.push({ verb: 'fail', arg: error });
    return { status: 'canceled' as const };
  }
  async upstream() {
    return { slowed: [] };
  }
  async publishArtifact(): Promise<never> {
    throw new Error('no artifacts in the cancellation tests');
  }

  async log() {
    this.calls.push({ verb: 'log' });
  }
}

function runOf(api: JobApi, handler: JobHandler) {
  return new JobRun(api, allocation, handler, { reportRetryMaxMs: 1_000, logger: silentLogger, onError: () => undefined, random: () => 0 });
}

/** A handler that waits for its signal, then throws its reason (what a cooperative handler does). */
const untilAborted: JobHandler = (ctx: JobContext) =>
  new Promise((_resolve, reject) => {
    if (ctx.signal.aborted) reject(ctx.signal.reason as Error);
    else ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
  });

describe('JobRun cancellation', () => {
  it('aborts the signal with a JobCanceledError on cancel() and reports fail code canceled, not retryable', async () => {
    const api = new CancelingApi();
    let seen: unknown;
    const run = runOf(api, async (ctx) => {
      queueMicrotask(() => run.cancel('canceled by an operator: stuck'));
      try {
        return await untilAborted(ctx);
      } finally {
        seen = ctx.signal.reason;
      }
    });
    const outcome = await run.run();
    expect(seen).toBeInstanceOf(JobCanceledError);
    expect(seen).not.toBeInstanceOf(LeaseLostError);
    expect((seen as JobCanceledError).code).toBe('canceled');
    expect(outcome).toEqual({ kind: 'canceled', jobId: allocation.jobId, attempt: 1, status: 'canceled' });
    expect(api.calls.map((c) => c.verb)).toEqual(['start', 'fail']);
    expect(api.calls[1].arg).toEqual({ code: 'canceled', message: 'canceled by an operator: stuck', retryable: false });
  });

  it('cancels at once when the start reply says cancelRequested', async () => {
    const api = new CancelingApi();
    api.cancelOnStart = true;
    const outcome = await runOf(api, untilAborted).run();
    expect(outcome.kind).toBe('canceled');
  });

  it('cancels when a heartbeat or progress reply says cancelRequested', async () => {
    const api = new CancelingApi();
    api.cancelOnRenew = true;
    const outcome = await runOf(api, async (ctx) => {
      await ctx.progress(10, 'working');
      return untilAborted(ctx);
    }).run();
    expect(outcome.kind).toBe('canceled');
    expect(api.calls.map((c) => c.verb)).toEqual(['start', 'progress', 'fail']);
  });

  it('completes a job whose handler returns a result despite the cancel', async () => {
    const api = new CancelingApi();
    api.cancelOnStart = true;
    const outcome = await runOf(api, (ctx) => ({ finished: true, aborted: ctx.signal.aborted })).run();
    expect(outcome).toMatchObject({ kind: 'completed', status: 'succeeded' });
    expect(api.calls[1]).toEqual({ verb: 'complete', arg: { finished: true, aborted: true } });
  });

  it('ignores a cancel after the lease was already lost', async () => {
    const api = new CancelingApi();
    let run: JobRun | null = null;
    run = runOf(api, async (ctx) => {
      (run as unknown as { loseLease(r: string, c: unknown): void }).loseLease('test', null);
      run!.cancel();
      expect(ctx.signal.reason).toBeInstanceOf(LeaseLostError);
      throw ctx.signal.reason;
    });
    expect((await run.run()).kind).toBe('lease_lost');
    expect(api.calls.map((c) => c.verb)).toEqual(['start']);
  });

  it('maps a JobCanceledError to a non-retryable canceled error', () => {
    expect(jobErrorOf(new JobCanceledError())).toEqual({ code: 'canceled', message: 'the job was canceled by an operator', retryable: false });
  });
});
