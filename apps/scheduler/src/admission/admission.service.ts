import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EventType, limitsChangedAll, OrchNames } from '@orch/contracts';
import { NATS_CONNECTION, ORCH_NAMES, OrchClient } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { SchedulerConfig } from '../config';
import { AdmissionLoop } from './admission-loop';
import { ADMISSION_COMMAND_TIMEOUT_MS, AdmissionPass } from './admission-pass';

/**
 * Events that wake the loop (core NATS, so every replica hears every event).
 * `queued`: a job became admittable, now or after its backoff. `created`: a
 * job with a future runAt starts pending and emits no `queued` until promoted,
 * so without it a sleeping loop would only learn of the earlier due time at
 * the next poll.
 */
export const WAKE_EVENTS = [EventType.queued, EventType.created] as const;

/** Runs the {@link AdmissionLoop} for the app's lifetime, woken by {@link WAKE_EVENTS}. */
@Injectable()
export class AdmissionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly loop: AdmissionLoop;
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(LEDGER_DATA_SOURCE) ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    client: OrchClient,
    config: SchedulerConfig,
  ) {
    const pass = new AdmissionPass(ds, new LedgerReader(), client, { batch: config.SCHEDULER_BATCH, commandTimeoutMs: ADMISSION_COMMAND_TIMEOUT_MS });
    this.loop = new AdmissionLoop(() => pass.run(), { pollMs: config.SCHEDULER_POLL_MS });
  }

  onApplicationBootstrap(): void {
    // `<ns>.evt.*.*.<event>`: any tenant, any job type.
    this.subscriptions = WAKE_EVENTS.map((event) => this.nc.subscribe(this.names.evtOfType(event), { callback: () => this.loop.trigger() }));
    // The rate-limiter's notice after a limits change or a slot release: held jobs may go now.
    this.subscriptions.push(this.nc.subscribe(limitsChangedAll(this.names.namespace), { callback: () => this.loop.trigger() }));
    this.loop.start();
  }

  /** Before connections close: no more triggers, finish the pass in progress. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await this.loop.stop();
  }
}
