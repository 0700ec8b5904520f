import type { ExpiredLease } from '@orch/persistence';

/** Where the reaper finds expired leases (the ledger, read-only). */
export type ExpiredLeaseSource = (now: Date, limit: number) => Promise<ExpiredLease[]>;
/** How the reaper expires one lease (the ledger-writer `expire` command). */
export type ExpireLease = (lease: ExpiredLease) => Promise<unknown>;

/** Reaper settings. */
export interface LeaseReaperOptions {
  intervalMs: number;
  /** Most leases per pass. */
  batch: number;
  /** Most `expire` commands in flight at once. */
  concurrency: number;
}

/** What one pass did. */
export interface ReapResult {
  found: number;
  expired: number;
  failed: number;
}

/** Minimal logger (Nest's Logger fits). */
export interface ReaperLogger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Background loop that expires leases past their expiry: every `intervalMs`
 * it reads a bounded batch of expired leases and sends `expire` for each, with
 * bounded concurrency. A failure is logged and the lease is simply found again
 * on the next pass. `expire` is fenced by the token the reaper saw (a heartbeat
 * that got in first wins), so replicas reaping at the same time are harmless.
 */
export class LeaseReaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastProblem = '';

  constructor(
    private readonly find: ExpiredLeaseSource,
    private readonly expire: ExpireLease,
    private readonly options: LeaseReaperOptions,
    private readonly logger: ReaperLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  /** Cancels the next pass and waits for the current one. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: finds a batch of expired leases and expires them. Never throws. */
  async reapOnce(): Promise<ReapResult> {
    let leases: ExpiredLease[];
    try {
      leases = await this.find(this.now(), this.options.batch);
    } catch (err) {
      this.report(`cannot read expired leases: ${(err as Error)?.message ?? String(err)}`);
      return { found: 0, expired: 0, failed: 0 };
    }
    let next = 0;
    let expired = 0;
    const failures: string[] = [];
    const lane = async () => {
      while (next < leases.length) {
        const lease = leases[next++];
        try {
          await this.expire(lease);
          expired++;
        } catch (err) {
          failures.push(`${lease.id}: ${(err as Error)?.message ?? String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, leases.length) }, lane));
    if (failures.length > 0) this.report(`${failures.length} of ${leases.length} expire commands failed (retried next pass), e.g. ${failures[0]}`);
    else this.lastProblem = '';
    return { found: leases.length, expired, failed: failures.length };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.reapOnce().then((r) => {
        this.running = null;
        // A full batch with no failures means more are probably waiting: go again at once.
        this.schedule(r.found >= this.options.batch && r.failed === 0 ? 0 : this.options.intervalMs);
      });
    }, delayMs);
  }

  /** Logs a problem once until it changes or clears, so an outage does not flood the log. */
  private report(problem: string): void {
    const kind = problem.replace(/[0-9a-f-]{36}/g, '<id>').replace(/\d+/g, 'N');
    if (kind === this.lastProblem) return;
    this.lastProblem = kind;
    this.logger.warn(`lease reaper: ${problem}`);
  }
}
