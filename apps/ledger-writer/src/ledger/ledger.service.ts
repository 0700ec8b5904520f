import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { LedgerVerb, OrchNames } from '@orch/contracts';
import { Incoming, NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerRepository } from '@orch/persistence';
import { injectTraceContext } from '@orch/telemetry';
import { DataSource } from 'typeorm';
import { LedgerWriterConfig } from '../config';
import { GroupCommitter } from './group-commit';
import { OutboxRelay } from './outbox-relay';
import { parseJobTimeouts } from './job-timeouts';

/** Owns the group committer and the outbox relay; their lifecycle follows the app. */
@Injectable()
export class LedgerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly committer: GroupCommitter;
  readonly relay: OutboxRelay;

  constructor(
    @Inject(LEDGER_DATA_SOURCE) ds: DataSource,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(ORCH_NAMES) names: OrchNames,
    config: LedgerWriterConfig,
  ) {
    const repo = new LedgerRepository();
    this.relay = new OutboxRelay(ds, repo, jetstream(nc), { batchSize: config.OUTBOX_BATCH, pollMs: config.OUTBOX_POLL_MS });
    this.committer = new GroupCommitter(
      ds,
      repo,
      names,
      {
        backoff: { baseMs: config.BACKOFF_BASE_MS, maxMs: config.BACKOFF_MAX_MS, jitter: config.BACKOFF_JITTER },
        heartbeatFraction: 1 / 3,
        cancelGraceMs: config.CANCEL_GRACE_MS,
        timeouts: parseJobTimeouts(config.JOB_TIMEOUTS).timeouts,
        random: Math.random,
      },
      { maxBatch: config.GROUP_COMMIT_MAX_BATCH, maxWaitMs: config.GROUP_COMMIT_MAX_WAIT_MS },
      () => this.relay.kick(),
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Before connections close: commit what is queued, relay what is committed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.committer.stop();
    await this.relay.stop();
  }

  /** Runs a command through the next group commit. */
  execute<T>(verb: LedgerVerb, m: Incoming<unknown>): Promise<T> {
    const trace: Record<string, string> = {};
    injectTraceContext((k, v) => (trace[k] = v));
    return this.committer.execute<T>(verb, m.envelope, trace);
  }
}
