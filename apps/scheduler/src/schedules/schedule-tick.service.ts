import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OrchClient } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { SchedulerConfig } from '../config';
import { ScheduleTick } from './schedule-tick';

/** How long a tick waits for the ledger-writer before the next tick retries. */
export const SCHEDULE_FIRE_TIMEOUT_MS = 5_000;

/** Runs the {@link ScheduleTick} for the app's lifetime. */
@Injectable()
export class ScheduleTickService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly tick: ScheduleTick;

  constructor(@Inject(LEDGER_DATA_SOURCE) ds: DataSource, client: OrchClient, config: SchedulerConfig) {
    this.tick = new ScheduleTick(ds, new LedgerReader(), client, {
      tickMs: config.SCHEDULER_CRON_TICK_MS,
      batch: config.SCHEDULER_CRON_BATCH,
      commandTimeoutMs: SCHEDULE_FIRE_TIMEOUT_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.tick.start();
  }

  /** Before connections close: finish the tick in progress, start no other. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.tick.stop();
  }
}
