import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { nanos, NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamManager,
  JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { decodeEnvelope, DispatchMessage, OrchError, OrchNames } from '@orch/contracts';
import { ensureDurableConsumer, NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { isUUID } from 'class-validator';
import { LeaseBrokerConfig } from '../config';
import { DispatchBuffer, dispatchDurableName, dispatchKey } from './dispatch-buffer';

/** Ack wait of the dispatch consumers; buffered messages are kept alive with working() well before it. */
export const DISPATCH_ACK_WAIT_MS = 30_000;
/**
 * Redelivery delay of a message we give back: effectively none. NATS 2.9.10
 * can strand a nak'ed message until its ack wait when no live pull request is
 * waiting for it (the server rolls its delivered pointer back instead, so the
 * newest message is delivered twice); in our tests an immediate nak hit that
 * more often than a delayed one. Duplicates are harmless: the buffer dedupes by
 * stream sequence and the ledger refuses a stale dispatch.
 */
export const GIVE_BACK_DELAY_MS = 1;

/** Returns a dispatch message to the stream for the next claim (see {@link GIVE_BACK_DELAY_MS}). */
export function giveBack(m: JsMsg): void {
  m.nak(GIVE_BACK_DELAY_MS);
}

/** A dispatch message held for a claim. */
export interface BufferedDispatch {
  msg: JsMsg;
  jobId: string;
  attempt: number;
}

/** One (tenant, job type) being pulled. */
interface Feed {
  key: string;
  tenant: string;
  jobType: string;
  lastClaimAt: number;
  ready: Promise<void>;
  messages: ConsumerMessages | null;
  stopped: boolean;
  /** Delivered after the feed stopped; given back once the pull is closed. */
  late: JsMsg[];
}

/**
 * Feeds the {@link DispatchBuffer} from JetStream: per (tenant, job type) a
 * durable pull consumer on the dispatch work-queue stream, shared by every
 * replica (a work queue allows only non-overlapping consumers, so replicas
 * split its messages). A key is pulled only while workers claim it; after
 * `DISPATCH_IDLE_MS` without a claim its pull stops and what it buffered goes
 * back with nak(). Buffered messages are kept alive with working().
 */
@Injectable()
export class DispatchFeeds implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly buffer = new DispatchBuffer<BufferedDispatch>();
  private readonly feeds = new Map<string, Feed>();
  private readonly logger = new Logger('DispatchFeeds');
  private jsm: Promise<JetStreamManager> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: LeaseBrokerConfig,
  ) {}

  onApplicationBootstrap(): void {
    const sweepMs = Math.max(100, Math.min(5_000, Math.floor(this.config.DISPATCH_IDLE_MS / 2)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.keepAliveTimer = setInterval(() => this.buffer.forEach((d) => d.msg.working()), Math.floor(DISPATCH_ACK_WAIT_MS / 3));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Takes up to `max` dispatch messages of `tenant` round-robin over
   * `jobTypes`, waiting up to `waitMs` for the first one. The caller must ack
   * or nak every message it gets.
   */
  async take(tenant: string, jobTypes: readonly string[], max: number, waitMs: number): Promise<BufferedDispatch[]> {
    const keys = jobTypes.map((t) => dispatchKey(tenant, t));
    if (this.closed) return [];
    const opened = await Promise.allSettled(jobTypes.map((t) => this.ensureFeed(tenant, t)));
    const failures = opened.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const f of failures) this.logger.warn(`cannot pull dispatch messages for ${tenant}: ${(f.reason as Error)?.message}`);
    if (failures.length === opened.length && keys.every((k) => this.buffer.size(k) === 0)) {
      throw new OrchError('unavailable', `dispatch messages of tenant ${tenant} cannot be read right now`, {
        cause: failures[0]?.reason,
        retryable: true,
      });
    }
    const items = await this.buffer.wait(keys, max, waitMs);
    const now = Date.now();
    for (const k of keys) {
      const feed = this.feeds.get(k);
      if (feed) feed.lastClaimAt = now;
    }
    return items;
  }

  /** Answers waiting claims at once (shutdown has begun; the transport is draining). */
  beginShutdown(): void {
    this.closed = true;
    this.buffer.close();
  }

  /** Stops every pull and gives buffered messages back to JetStream. */
  async stop(): Promise<void> {
    this.beginShutdown();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.sweepTimer = this.keepAliveTimer = null;
    await Promise.all([...this.feeds.values()].map((f) => this.retire(f)));
    for (const d of this.buffer.drainAll()) giveBack(d.msg);
  }

  private ensureFeed(tenant: string, jobType: string): Promise<void> {
    const key = dispatchKey(tenant, jobType);
    let feed = this.feeds.get(key);
    if (!feed) {
      const created: Feed = { key, tenant, jobType, lastClaimAt: Date.now(), ready: Promise.resolve(), messages: null, stopped: false, late: [] };
      created.ready = this.open(created).catch((err: unknown) => {
        if (this.feeds.get(key) === created) this.feeds.delete(key);
        throw err;
      });
      this.feeds.set(key, created);
      feed = created;
    }
    feed.lastClaimAt = Date.now();
    return feed.ready;
  }

  private async open(feed: Feed): Promise<void> {
    const durable = dispatchDurableName(feed.tenant, feed.jobType);
    const stream = this.names.streams.dispatch;
    await this.ensureConsumer(stream, durable, this.names.dispatch(feed.tenant, feed.jobType));
    const consumer = await jetstream(this.nc).consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: this.config.DISPATCH_PREFETCH });
    if (feed.stopped) {
      await messages.close();
      return;
    }
    feed.messages = messages;
    void this.pump(feed, messages);
  }

  /** Creates the shared durable consumer, or updates it to this config when it differs. */
  private async ensureConsumer(stream: string, durable: string, filterSubject: string): Promise<void> {
    this.jsm ??= jetstreamManager(this.nc);
    const jsm = await this.jsm.catch((err: unknown) => {
      this.jsm = null;
      throw err;
    });
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: filterSubject,
      ack_wait: nanos(DISPATCH_ACK_WAIT_MS),
      max_deliver: -1,
      max_ack_pending: this.config.DISPATCH_MAX_ACK_PENDING,
      deliver_policy: DeliverPolicy.All,
    };
    await ensureDurableConsumer(jsm, stream, config);
  }

  /** Moves delivered messages into the buffer until the pull stops. */
  private async pump(feed: Feed, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (feed.stopped) {
          feed.late.push(m);
          continue;
        }
        const item = this.decode(feed, m);
        if (item) this.buffer.push(feed.key, String(m.info.streamSequence), item);
      }
    } catch (err) {
      this.logger.warn(`dispatch pull for ${feed.key} failed: ${(err as Error)?.message}`);
    } finally {
      // An ended pull is reopened by the next claim of its key.
      if (!feed.stopped && this.feeds.get(feed.key) === feed) this.feeds.delete(feed.key);
      for (const m of feed.late.splice(0)) giveBack(m);
    }
  }

  private decode(feed: Feed, m: JsMsg): BufferedDispatch | null {
    try {
      const env = decodeEnvelope(m.data);
      const data = env.data as Partial<DispatchMessage>;
      if (env.tenant !== feed.tenant || typeof data.jobId !== 'string' || !isUUID(data.jobId) || !Number.isInteger(data.attempt) || data.attempt! < 1) {
        throw new OrchError('validation', 'dispatch message needs the key tenant, a jobId (UUID) and an attempt ≥ 1');
      }
      return { msg: m, jobId: data.jobId, attempt: data.attempt! };
    } catch (err) {
      // Redelivery cannot fix a malformed message; the work queue drops it once acked.
      this.logger.warn(`dropping malformed dispatch message ${m.subject}#${m.info.streamSequence}: ${(err as Error).message}`);
      m.ack();
      return null;
    }
  }

  /** Stops a key that nobody claimed for DISPATCH_IDLE_MS and returns its buffer. */
  private sweep(): void {
    const now = Date.now();
    for (const feed of [...this.feeds.values()]) {
      if (now - feed.lastClaimAt < this.config.DISPATCH_IDLE_MS || this.buffer.hasWaiters(feed.key)) continue;
      if (!feed.messages) continue; // still opening
      void this.retire(feed);
    }
  }

  /**
   * Stops a feed and gives its buffer back. The buffer is taken out at once
   * (no claim can take it, and a new feed of the key starts clean), but the
   * nak waits until the pull is closed: a message nak'ed while our own pull
   * request is still open would be redelivered straight back to it and be
   * stranded until its ack wait ran out.
   */
  private async retire(feed: Feed): Promise<void> {
    feed.stopped = true;
    if (this.feeds.get(feed.key) === feed) this.feeds.delete(feed.key);
    const held = this.buffer.drain(feed.key);
    await feed.messages?.close().catch(() => undefined);
    for (const d of held) giveBack(d.msg);
  }
}
