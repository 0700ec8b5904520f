import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ExpireCommand, FailResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LeaseBrokerConfig } from '../config';
import { LeaseReaper } from './lease-reaper';

/** Most `expire` commands one reaper has in flight. */
export const REAPER_CONCURRENCY = 16;

/** Runs the {@link LeaseReaper} for the app's lifetime. */
@Injectable()
export class ReaperService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly reaper: LeaseReaper;

  constructor(@Inject(LEDGER_DATA_SOURCE) ds: DataSource, client: OrchClient, config: LeaseBrokerConfig) {
    const reader = new LedgerReader();
    this.reaper = new LeaseReaper(
      (now, limit) => reader.findExpiredLeases(ds, now, limit),
      (lease) =>
        client.command<FailResult, ExpireCommand>('ledger-writer', 'expire', {
          type: 'ledger.expire',
          tenant: lease.tenant,
          project: lease.project || '*',
          correlationId: lease.correlationId || randomUUID(),
          data: { jobId: lease.id, fencingToken: lease.fencingToken },
        }),
      { intervalMs: config.REAPER_INTERVAL_MS, batch: config.REAPER_BATCH, concurrency: REAPER_CONCURRENCY },
      new Logger('LeaseReaper'),
    );
  }

  onApplicationBootstrap(): void {
    this.reaper.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reaper.stop();
  }
}
