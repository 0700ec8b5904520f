import { Logger } from '@nestjs/common';
import { AdmissionLoop, DUE_SLACK_MS, PassOutcome } from './admission-loop';

const POLL_MS = 1_000;

/** A pass the test finishes by hand, so the loop's scheduling is observable step by step. */
class ManualPass {
  calls = 0;
  private readonly waiting: { resolve: (o: PassOutcome) => void; reject: (e: unknown) => void }[] = [];

  readonly fn = (): Promise<PassOutcome> => {
    this.calls += 1;
    return new Promise<PassOutcome>((resolve, reject) => this.waiting.push({ resolve, reject }));
  };

  get inProgress(): number {
    return this.waiting.length;
  }

  finish(outcome: Partial<PassOutcome> = {}): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('no pass in progress');
    next.resolve({ more: false, failed: false, nextDueAt: null, ...outcome });
  }

  throw(err: unknown): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('no pass in progress');
    next.reject(err);
  }
}

describe('AdmissionLoop', () => {
  let pass: ManualPass;
  let loop: AdmissionLoop;
  const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

  beforeEach(async () => {
    jest.useFakeTimers();
    pass = new ManualPass();
    loop = new AdmissionLoop(pass.fn, { pollMs: POLL_MS });
    loop.start();
    await tick();
  });

  afterEach(async () => {
    while (pass.inProgress) pass.finish();
    await loop.stop();
    jest.useRealTimers();
  });

  it('runs a first pass as soon as it starts', () => {
    expect(pass.calls).toBe(1);
  });

  it('coalesces triggers that arrive during a pass into exactly one more pass', async () => {
    for (let i = 0; i < 5; i++) loop.trigger();
    pass.finish();
    await tick();
    expect(pass.calls).toBe(2);
    pass.finish();
    await tick(POLL_MS - 1);
    expect(pass.calls).toBe(2);
  });

  it('coalesces a burst of triggers in one tick while idle into one pass', async () => {
    pass.finish();
    await tick();
    for (let i = 0; i < 10; i++) loop.trigger();
    await tick();
    expect(pass.calls).toBe(2);
    pass.finish();
    await tick(POLL_MS - 1);
    expect(pass.calls).toBe(2);
  });

  it('repeats at once while a batch comes back full, and stops repeating when it does not', async () => {
    pass.finish({ more: true });
    await tick();
    expect(pass.calls).toBe(2);
    pass.finish({ more: true });
    await tick();
    expect(pass.calls).toBe(3);
    pass.finish();
    await tick(POLL_MS - 1);
    expect(pass.calls).toBe(3);
  });

  it('does not repeat a full batch whose pass failed, but retries on the next poll', async () => {
    pass.finish({ more: true, failed: true });
    await tick(POLL_MS - 1);
    expect(pass.calls).toBe(1);
    await tick(1);
    expect(pass.calls).toBe(2);
    expect(loop.stats).toEqual({ passes: 1, failedPasses: 1 });
  });

  it('retries after a failed pass as soon as a trigger arrives', async () => {
    pass.finish({ failed: true });
    await tick();
    loop.trigger();
    await tick();
    expect(pass.calls).toBe(2);
  });

  it('sleeps until the next due time when it comes before the poll interval', async () => {
    pass.finish({ nextDueAt: new Date(Date.now() + 300) });
    await tick(300 + DUE_SLACK_MS - 1);
    expect(pass.calls).toBe(1);
    await tick(1);
    expect(pass.calls).toBe(2);
  });

  it('caps the sleep until a far due time at the poll interval', async () => {
    pass.finish({ nextDueAt: new Date(Date.now() + 60_000) });
    await tick(POLL_MS);
    expect(pass.calls).toBe(2);
  });

  it('polls when nothing is due', async () => {
    pass.finish();
    await tick(POLL_MS - 1);
    expect(pass.calls).toBe(1);
    await tick(1);
    expect(pass.calls).toBe(2);
  });

  it('keeps running after a pass throws, counting it as failed and logging a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    pass.throw(new Error('database went away'));
    await tick();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('database went away'));
    warn.mockRestore();
    await tick(POLL_MS);
    expect(pass.calls).toBe(2);
    expect(loop.stats).toEqual({ passes: 1, failedPasses: 1 });
  });

  it('finishes the pass in progress on stop and runs no more passes', async () => {
    loop.trigger();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    pass.finish({ more: true });
    await stopping;
    loop.trigger();
    await tick(POLL_MS * 3);
    expect(pass.calls).toBe(1);
    expect(loop.stats.passes).toBe(1);
  });

  it('cancels its sleep on stop', async () => {
    pass.finish();
    await tick();
    await loop.stop();
    await tick(POLL_MS * 3);
    expect(pass.calls).toBe(1);
  });
});
