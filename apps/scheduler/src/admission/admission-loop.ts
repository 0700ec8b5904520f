import { Logger } from '@nestjs/common';

/** What one admission pass reports to the loop. */
export interface PassOutcome {
  /** A batch came back full and the pass made progress on it: run again at once. */
  more: boolean;
  /** A dependency failed; the work is retried on the next trigger. */
  failed: boolean;
  /** Earliest known future due time (backoff end or runAt), when the pass looked it up. */
  nextDueAt: Date | null;
}

/** Loop settings. */
export interface AdmissionLoopOptions {
  /** Longest sleep without a trigger; also caps the sleep until `nextDueAt`. */
  pollMs: number;
}

/** Counters, for tests and metrics. */
export interface AdmissionLoopStats {
  /** Passes finished (failed ones included). */
  passes: number;
  /** Passes in which a dependency failed or that threw. */
  failedPasses: number;
}

/**
 * Timestamps are truncated to milliseconds on the way out of PostgreSQL, so
 * waking exactly at `nextDueAt` can be a hair early and find nothing due.
 */
export const DUE_SLACK_MS = 5;

/**
 * Runs admission passes one at a time. A pass runs when triggered (a job
 * became queued), at the next known due time, or after `pollMs` without
 * either. Triggers that arrive in the same tick or while a pass runs are
 * coalesced into one more pass; a pass whose batch came back full is repeated
 * at once. A failing pass is logged and retried on the next trigger; the
 * loop never dies of it.
 */
export class AdmissionLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private triggered = false;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();
  private readonly logger = new Logger('AdmissionLoop');
  readonly stats: AdmissionLoopStats = { passes: 0, failedPasses: 0 };

  constructor(
    private readonly pass: () => Promise<PassOutcome>,
    private readonly options: AdmissionLoopOptions,
  ) {}

  /** Starts the loop with a pass now. */
  start(): void {
    this.stopped = false;
    this.trigger();
  }

  /** Asks for a pass as soon as the one in progress (if any) is done. */
  trigger(): void {
    if (this.stopped) return;
    this.triggered = true;
    if (!this.running) this.wakeIn(0);
  }

  /** Stops scheduling passes and waits for the pass in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.current;
  }

  private wakeIn(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.run(), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.timer = null;
    if (this.running || this.stopped) return;
    this.running = true;
    this.current = this.passes();
  }

  private async passes(): Promise<void> {
    let outcome: PassOutcome;
    do {
      this.triggered = false;
      outcome = await this.runPass();
    } while (!this.stopped && ((outcome.more && !outcome.failed) || this.triggered));
    // No await between the last check of `triggered` and here, so no trigger can be lost.
    this.running = false;
    if (!this.stopped) this.wakeIn(this.sleepMs(outcome.nextDueAt));
  }

  private async runPass(): Promise<PassOutcome> {
    let outcome: PassOutcome;
    try {
      outcome = await this.pass();
    } catch (err) {
      this.logger.warn(`admission pass failed, retrying on the next trigger: ${(err as Error)?.message ?? String(err)}`);
      outcome = { more: false, failed: true, nextDueAt: null };
    }
    this.stats.passes += 1;
    if (outcome.failed) this.stats.failedPasses += 1;
    return outcome;
  }

  private sleepMs(nextDueAt: Date | null): number {
    if (!nextDueAt) return this.options.pollMs;
    const untilDue = nextDueAt.getTime() + DUE_SLACK_MS - Date.now();
    return Math.min(this.options.pollMs, Math.max(0, untilDue));
  }
}
