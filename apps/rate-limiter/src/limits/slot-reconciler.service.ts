import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LIMITS_DATA_SOURCE, LimitsStateRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { RateLimiterConfig } from '../config';
import { LimitsNotices } from './limits-notices';
import { SlotReleaseService } from './slot-release.service';

/** Open admissions compared with the ledger per page. */
export const RECONCILE_PAGE = 500;
/** Released admissions are kept this long (for `explain` and debugging), then pruned. */
export const RELEASED_RETENTION_MS = 3_600_000;

/**
 * Every `LIMITS_RECONCILE_MS`, compares open slots with the ledger (a read-only query of
 * `ledger.jobs`) and releases those whose attempt is no longer admitted, leased or running there
 * — a crashed scheduler between `admit` and the ledger, a lost event. Admissions younger than
 * `LIMITS_RECONCILE_GRACE_MS` are left alone: the scheduler records them right after.
 * Every replica runs it; the release itself is once-only (see {@link SlotReleaseService}).
 */
@Injectable()
export class SlotReconcilerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SlotReconciler');
  private readonly repo = new LimitsStateRepository();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly slots: SlotReleaseService,
    private readonly notices: LimitsNotices,
    private readonly config: RateLimiterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.reconcile()
        .then(() => undefined)
        .catch((err) => this.logger.warn(`reconcile pass failed: ${(err as Error)?.message ?? String(err)}`))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.config.LIMITS_RECONCILE_MS);
    this.timer.unref();
  }

  /** One pass; returns how many slots it released. */
  async reconcile(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.LIMITS_RECONCILE_GRACE_MS);
    let releasedTotal = 0;
    const open = await this.repo.openSlotAdmissions(this.ds, { before, limit: RECONCILE_PAGE });
    if (open.length > 0) {
      const live = await this.repo.liveInLedger(this.ds, { attempts: open });
      const dead = open.filter((a) => !live.has(`${a.jobId}:${a.attempt}`));
      const released = await this.slots.release(dead, 'reconciled');
      releasedTotal = released.length;
      for (const tenant of new Set(released.map((a) => a.tenant))) this.notices.changed(tenant, 'slots');
      if (released.length > 0) this.logger.log(`released ${released.length} slot(s) whose attempt had ended`);
    }
    await this.repo.pruneReleased(this.ds, { before: new Date(now.getTime() - RELEASED_RETENTION_MS), limit: RECONCILE_PAGE });
    await this.repo.pruneOutcomes(this.ds, { before: new Date(now.getTime() - RELEASED_RETENTION_MS), limit: RECONCILE_PAGE });
    return releasedTotal;
  }
}
