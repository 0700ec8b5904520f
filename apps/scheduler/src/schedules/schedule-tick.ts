import { Logger } from '@nestjs/common';
import { OrchError, ScheduleFireCommand, ScheduleFireResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { LedgerReader, Queryable, ScheduleRow } from '@orch/persistence';
import { runWithContext } from '@orch/telemetry';
import { v7 as uuidv7 } from 'uuid';
import { planFires } from './fire-plan';

/** Cron tick settings. */
export interface ScheduleTickOptions {
  /** Time between ticks (`SCHEDULER_CRON_TICK_MS`). */
  tickMs: number;
  /** Most due schedules read per tick (`SCHEDULER_CRON_BATCH`); a full batch ticks again at once. */
  batch: number;
  /** How long a `schedule-fire` may wait for the ledger-writer. */
  commandTimeoutMs: number;
}

/** Counters, for tests and metrics. */
export interface ScheduleTickStats {
  ticks: number;
  failedTicks: number;
  /** Slots this replica's commands created a job for. */
  fired: number;
  /** Slots the ledger-writer answered as fired already (by another replica) or otherwise refused. */
  skipped: number;
  /** Missed slots the misfire policy dropped. */
  dropped: number;
}

/**
 * The scheduler's cron tick: every `tickMs`, reads (read-only) the unpaused schedules whose next
 * slot has come, computes each one's due slots with its misfire policy ({@link planFires}) and
 * sends them in one `ledger-writer.schedule-fire` per schedule. Every replica ticks; the
 * ledger-writer's compare-and-set on `(scheduleId, fireTime)` creates one job per slot whoever
 * asks first, and answers the others `already_fired` / `not_after_last_fire`. A failing tick is
 * logged and the next tick retries: the row stays due until a firing moves it on.
 */
export class ScheduleTick {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();
  private readonly logger = new Logger('ScheduleTick');
  readonly stats: ScheduleTickStats = { ticks: 0, failedTicks: 0, fired: 0, skipped: 0, dropped: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly reader: LedgerReader,
    private readonly client: OrchClient,
    private readonly options: ScheduleTickOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Starts ticking, the first tick now. */
  start(): void {
    this.stopped = false;
    this.wakeIn(0);
  }

  /** Stops ticking and waits for the tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** One tick (also used directly by tests): fires what is due; true when the batch came back full. */
  async tick(): Promise<boolean> {
    const now = this.clock();
    const due = await this.reader.findDueSchedules(this.db, now, this.options.batch);
    const correlationId = `cron-${uuidv7()}`;
    const results = await runWithContext({ correlationId }, () => Promise.allSettled(due.map((s) => this.fire(s, now, correlationId))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      // Those schedules stay due; the next tick asks again.
      throw new Error(`${failed.length} of ${due.length} schedule firings failed, first: ${(failed[0].reason as Error)?.message ?? String(failed[0].reason)}`);
    }
    return due.length >= this.options.batch;
  }

  private wakeIn(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.current = this.run();
    }, ms);
  }

  private async run(): Promise<void> {
    let full = false;
    try {
      full = await this.tick();
    } catch (err) {
      this.stats.failedTicks += 1;
      this.logger.warn(`cron tick failed, retrying on the next tick: ${(err as Error)?.message ?? String(err)}`);
    }
    this.stats.ticks += 1;
    if (!this.stopped) this.wakeIn(full ? 0 : this.options.tickMs);
  }

  /** Sends one schedule's due slots; a refusal is logged, never thrown (the other schedules go on). */
  private async fire(s: ScheduleRow, now: Date, correlationId: string): Promise<void> {
    const plan = planFires(s, now);
    if (plan.fireTimes.length === 0) return;
    if (plan.dropped > 0) {
      this.stats.dropped += plan.dropped;
      this.logger.log(`schedule ${s.id}: misfire policy ${s.misfirePolicy} dropped ${plan.dropped}${plan.droppedCapped ? '+' : ''} missed slot(s)`);
    }
    try {
      const r = await this.client.command<ScheduleFireResult, ScheduleFireCommand>(
        'ledger-writer',
        'schedule-fire',
        { type: 'ledger.schedule-fire', tenant: s.tenant, project: s.project, correlationId, data: { scheduleId: s.id, fireTimes: plan.fireTimes } },
        { timeoutMs: this.options.commandTimeoutMs },
      );
      this.stats.fired += r.fired.length;
      this.stats.skipped += r.skipped.length;
      if (r.fired.length > 0) this.logger.debug(`schedule ${s.id}: fired ${r.fired.map((f) => f.fireTime).join(', ')}`);
    } catch (err) {
      // A schedule deleted since the read is not found: nothing to do.
      if (err instanceof OrchError && err.code === 'not_found') return;
      throw err;
    }
  }
}
