import type { Logger } from '@nestjs/common';
import { isTerminal, JobStatus } from '@orch/contracts';
import type { StreamCloseReason } from '../streams/live-stream';
import type { JobEnd } from './log-lines';

/** The parts of a running log stream the watch uses (a `LiveStream`). */
export interface WatchedStream {
  readonly isClosing: boolean;
  readonly done: Promise<void>;
  reached(seq: number): Promise<void>;
  close(reason: StreamCloseReason): Promise<void>;
}

/** What the watch asks about the job. */
export interface JobEndSource {
  /** The job's status in the ledger now (null: gone, which does not happen to a ledger row). */
  status(): Promise<JobStatus | null>;
  /** The LOGS sequence of the job's last line now (0: none). */
  lastLogSeq(): Promise<number>;
}

/**
 * Ends a job's log stream with `event: end` once the job is terminal and every
 * line up to then was sent. It polls the job's ledger row (the truth; one
 * primary-key read per interval per open stream) rather than watching the
 * NOTIFY stream, whose subjects carry no job id. When the row is terminal, the
 * job's last LOGS sequence is read: lines a worker published before its
 * `complete`/`fail` are stored by then (same connection, earlier), so the
 * stream sends up to that sequence and ends. Lines published later (a worker
 * that lost its lease, a log call nobody awaited) are not part of the stream;
 * `GET /api/v1/jobs/{id}/logs` still returns them.
 */
export class JobEndWatch {
  constructor(
    private readonly jobId: string,
    private readonly source: JobEndSource,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs until the stream closed, or ended it; `initial` is the status read
   * when the stream opened. `onEnd` receives the end frame's data just before
   * the stream closes as `completed`. Never rejects.
   */
  async run(stream: WatchedStream, initial: JobStatus, onEnd: (end: JobEnd) => void): Promise<void> {
    let status: JobStatus | null = initial;
    for (;;) {
      if (status !== null && isTerminal(status)) {
        const lastSeq = await this.attempt(() => this.source.lastLogSeq());
        if (lastSeq !== undefined) {
          await Promise.race([stream.reached(lastSeq), stream.done]);
          if (stream.isClosing) return;
          onEnd({ status, lastSeq });
          await stream.close('completed');
          return;
        }
      }
      if (!(await this.pause(stream))) return;
      status = (await this.attempt(() => this.source.status())) ?? status;
    }
  }

  /** Waits one interval; false when the stream closed meanwhile. */
  private async pause(stream: WatchedStream): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, this.pollMs))), stream.done]);
    clearTimeout(timer);
    return !stream.isClosing;
  }

  /** A failed read is retried at the next interval (the stream keeps running meanwhile). */
  private async attempt<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.logger.warn(`log stream of job ${this.jobId}: cannot tell whether the job ended yet: ${(err as Error).message}`);
      return undefined;
    }
  }
}
