import { Logger } from '@nestjs/common';
import type { JobStatus } from '@orch/contracts';
import type { StreamCloseReason } from '../streams/live-stream';
import { JobEndWatch, JobEndSource, WatchedStream } from './job-end-watch';
import type { JobEnd } from './log-lines';

/** A stream whose position the test moves. */
class FakeStream implements WatchedStream {
  isClosing = false;
  closedWith?: StreamCloseReason;
  position = 0;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private waiters: { seq: number; resolve: () => void }[] = [];

  reached(seq: number): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  advance(seq: number): void {
    this.position = seq;
    for (const w of this.waiters.filter((x) => x.seq <= seq)) w.resolve();
  }

  close(reason: StreamCloseReason): Promise<void> {
    if (!this.isClosing) {
      this.isClosing = true;
      this.closedWith = reason;
      this.resolveDone();
    }
    return this.done;
  }
}

const logger = new Logger('test');
logger.warn = () => undefined;
const tick = () => new Promise((r) => setTimeout(r, 15));

function source(statuses: (JobStatus | Error)[], lastSeq: number): JobEndSource & { reads: number } {
  const s = {
    reads: 0,
    status: async () => {
      const next = statuses[Math.min(s.reads++, statuses.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    },
    lastLogSeq: async () => lastSeq,
  };
  return s;
}

describe('JobEndWatch', () => {
  it('keeps a running job\'s stream open, and ends it once the job is terminal and every line up to its last was sent', async () => {
    const stream = new FakeStream();
    const src = source(['running', 'running', 'succeeded'], 42);
    const ends: JobEnd[] = [];
    const run = new JobEndWatch('j1', src, 5, logger).run(stream, 'running', (e) => ends.push(e));
    await tick();
    await tick();
    expect(src.reads).toBeGreaterThanOrEqual(3);
    expect(stream.isClosing).toBe(false);
    stream.advance(41);
    await tick();
    expect(stream.isClosing).toBe(false);
    stream.advance(42);
    await run;
    expect(stream.closedWith).toBe('completed');
    expect(ends).toEqual([{ status: 'succeeded', lastSeq: 42 }]);
  });

  it('ends a job that was terminal already once the stream caught up, without polling', async () => {
    const stream = new FakeStream();
    stream.advance(3);
    const src = source(['running'], 3);
    await new JobEndWatch('j1', src, 5, logger).run(stream, 'failed', () => undefined);
    expect(stream.closedWith).toBe('completed');
    expect(src.reads).toBe(0);
  });

  it('keeps polling through a failing ledger read', async () => {
    const stream = new FakeStream();
    const src = source([new Error('connection refused'), 'canceled'], 0);
    const ends: JobEnd[] = [];
    await new JobEndWatch('j1', src, 5, logger).run(stream, 'running', (e) => ends.push(e));
    expect(ends).toEqual([{ status: 'canceled', lastSeq: 0 }]);
  });

  it('stops when the stream closed for another reason', async () => {
    const stream = new FakeStream();
    const src = source(['running'], 0);
    const run = new JobEndWatch('j1', src, 5, logger).run(stream, 'running', () => undefined);
    await tick();
    await stream.close('client_closed');
    await run;
    const reads = src.reads;
    await tick();
    expect(src.reads).toBe(reads);
    expect(stream.closedWith).toBe('client_closed');
  });
});
