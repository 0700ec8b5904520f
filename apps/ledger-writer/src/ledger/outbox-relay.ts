import { Logger } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { JetStreamClient } from '@nats-io/jetstream';
import { encodeJson } from '@orch/messaging';
import { LedgerRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';

/** Relay settings. */
export interface OutboxRelayOptions {
  batchSize: number;
  /** Poll interval when not kicked (picks up work of crashed replicas). */
  pollMs: number;
}

/**
 * Publishes committed outbox rows to JetStream and deletes them, in order, in
 * one transaction per batch: rows are locked (SKIP LOCKED for other replicas),
 * published asynchronously, and deleted only after every publish was
 * acknowledged. A crash between publish and delete republishes; the message id
 * (`Nats-Msg-Id` = event id) makes JetStream drop the duplicate.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();
  private readonly logger = new Logger('OutboxRelay');
  published = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly repo: LedgerRepository,
    private readonly js: JetStreamClient,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.kick();
  }

  /** Stops polling and waits for the batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.current;
    // One last pass so nothing committed before shutdown waits for the next start.
    await this.drainOnce().catch(() => undefined);
  }

  /** Asks for a relay pass now (after a commit). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.drainOnce()) === this.options.batchSize && !this.stopped);
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.warn(`outbox relay pass failed, will retry: ${(err as Error).message}`);
      } finally {
        this.running = false;
      }
    })();
  }

  /** Relays one batch; returns how many rows it published. */
  async drainOnce(): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const rows = await this.repo.claimOutbox(qr, this.options.batchSize);
      if (rows.length === 0) {
        await qr.commitTransaction();
        return 0;
      }
      await Promise.all(
        rows.map((r) => {
          const h = natsHeaders();
          for (const [k, v] of Object.entries(r.headers ?? {})) h.set(k, v);
          return this.js.publish(r.subject, encodeJson(r.body), { msgID: r.msgId, headers: h });
        }),
      );
      await this.repo.deleteOutbox(qr, rows.map((r) => r.id));
      await qr.commitTransaction();
      this.published += rows.length;
      return rows.length;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
  }
}
