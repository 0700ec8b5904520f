import type { Logger } from '@nestjs/common';
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { OrchError } from '@orch/contracts';

/** Why a live stream ended. */
export type StreamCloseReason =
  /** The client went away. */
  | 'client_closed'
  /** More than the configured buffer was waiting to be sent. */
  | 'slow_client'
  /** A WebSocket client did not answer a ping before the next one was due. */
  | 'unresponsive'
  /** The service is shutting down. */
  | 'shutdown'
  /** The JetStream consumer ended (NATS trouble). */
  | 'source_ended'
  /** The caller's token expired. */
  | 'token_expired'
  /** Everything there is to send was sent (a finished job's log stream). */
  | 'completed';

/** Messages the ordered consumer pulls ahead per client. */
export const STREAM_PULL_BATCH = 256;
/** After cutting off a client (too slow, token expired), how long its last bytes may take before the socket is destroyed. */
export const SLOW_CLIENT_FLUSH_TIMEOUT_MS = 10_000;
/** At shutdown, how long a stream may take to flush before its socket is destroyed. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 1_000;
/** Longest delay setTimeout takes (about 24.8 days); a stream that old is ended then and the client reconnects. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The client side of a live stream (an SSE response, a WebSocket): it owns the
 * bytes on the wire, while {@link LiveStream} owns the consumer, the timers and
 * the decision to close.
 */
export interface StreamTransport<T> {
  /** Resolves when the client's connection is gone, whoever closed it. */
  readonly gone: Promise<void>;
  /** Whether the connection is already gone. */
  readonly isGone: boolean;
  /** Called once, when the consumer runs: headers, greeting. */
  open(): void;
  /** Sends one item; answers a reason to close the stream (`slow_client`) or undefined. */
  send(item: T): StreamCloseReason | undefined;
  /** Runs every keep-alive interval (comment, ping); answers a reason to close or undefined. */
  keepAlive(): StreamCloseReason | undefined;
  /** Says why the stream ends (error frame, close code) and ends the connection. Called once. */
  finish(reason: StreamCloseReason): void;
}

/** What one live stream reads and where it writes. */
export interface LiveStreamSpec<T> {
  /** Names the stream in log lines, e.g. `SSE events of tenant acme`. */
  label: string;
  /** An ordered consumer starting at `startSeq`. */
  consumer: Consumer;
  /** The first stream sequence the consumer delivers. */
  startSeq: number;
  /** What the transport sends for a message; undefined skips it (filtered out, undecodable, misrouted). */
  decode(m: JsMsg): T | undefined;
  transport: StreamTransport<T>;
  keepAliveMs: number;
  /** When the caller's token expires (epoch ms): the stream ends then with `token_expired`. */
  expiresAt?: number;
}

/**
 * One client's live stream: pumps an ordered JetStream consumer into a
 * {@link StreamTransport}. Memory per client is bounded: the consumer pulls at
 * most {@link STREAM_PULL_BATCH} messages ahead and the transport closes the
 * stream when more than its limit waits to be sent; the client resumes later
 * from the last sequence it saw.
 */
export class LiveStream<T> {
  /** Items sent / messages skipped. */
  delivered = 0;
  skipped = 0;
  /** The last stream sequence consumed (sent or skipped). */
  position: number;
  private closing = false;
  private messages?: ConsumerMessages;
  private keepAlive?: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;
  private pumping: Promise<void> = Promise.resolve();
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly spec: LiveStreamSpec<T>,
    private readonly logger: Logger,
  ) {
    this.position = spec.startSeq - 1;
    void spec.transport.gone.then(() => this.close('client_closed'));
  }

  /** Whether the stream is closing or closed. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Resolves when the client's connection is gone and the consumer loop has ended. */
  get done(): Promise<void> {
    return Promise.all([this.spec.transport.gone, this.pumping]).then(() => undefined);
  }

  /**
   * Starts consuming, opens the transport, then streams until closed.
   *
   * @throws OrchError `unavailable` (nothing was sent yet) when the consumer cannot start.
   */
  async start(): Promise<void> {
    const { consumer, transport } = this.spec;
    try {
      this.messages = await consumer.consume({ max_messages: STREAM_PULL_BATCH });
    } catch (cause) {
      this.closing = true;
      void consumer.delete().catch(() => undefined);
      throw new OrchError('unavailable', `could not start the ${this.spec.label}`, { cause, retryable: true });
    }
    if (this.closing) {
      // Closed (client gone, shutdown) while the consumer was starting; close() could not stop it yet.
      this.messages.stop();
      return;
    }
    transport.open();
    this.keepAlive = setInterval(() => {
      const reason = transport.keepAlive();
      if (reason) void this.close(reason);
    }, this.spec.keepAliveMs);
    // A stream outlives no token: it ends when the caller's token expires (the client reconnects with a new one).
    if (this.spec.expiresAt !== undefined) {
      const wait = Math.max(0, Math.min(this.spec.expiresAt - Date.now(), MAX_TIMER_MS));
      this.expiry = setTimeout(() => void this.close('token_expired'), wait);
    }
    this.pumping = this.pump(this.messages);
  }

  /** Resolves once every message up to stream sequence `seq` was consumed (at once if it already was). */
  reached(seq: number): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Ends the stream (idempotent): stops and deletes the consumer, lets the transport say why. */
  close(reason: StreamCloseReason): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      clearInterval(this.keepAlive);
      clearTimeout(this.expiry);
      this.messages?.stop();
      // Ordered consumers expire on their own, but deleting frees the server at once.
      void this.spec.consumer.delete().catch(() => undefined);
      this.logger.debug(`${this.spec.label} closed (${reason}): ${this.delivered} sent, ${this.skipped} skipped, at ${this.position}`);
      this.spec.transport.finish(reason);
    }
    return this.done;
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.closing) break;
        const item = this.spec.decode(m);
        if (item === undefined) {
          this.skipped += 1;
        } else {
          this.delivered += 1;
          const reason = this.spec.transport.send(item);
          if (reason) {
            void this.close(reason);
            break;
          }
        }
        this.advance(m.seq);
      }
    } catch (err) {
      this.logger.warn(`${this.spec.label}: consumer failed: ${(err as Error).message}`);
    }
    if (!this.closing) void this.close('source_ended');
  }

  private advance(seq: number): void {
    this.position = seq;
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.seq <= seq);
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of due) w.resolve();
  }
}
