import type { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { SHUTDOWN_FLUSH_TIMEOUT_MS, SLOW_CLIENT_FLUSH_TIMEOUT_MS, StreamCloseReason, StreamTransport } from '../streams/live-stream';
import type { NotifyItem } from '../streams/notify-messages';

/**
 * Close codes and reasons a WebSocket client sees (RFC 6455 §7.4). The reason
 * is a stable, machine-readable code; resume with `?since=<last seq>`.
 */
export const WS_CLOSE = {
  /** More than WS_MAX_BUFFER_BYTES were waiting to be sent. */
  slow_client: { code: 1008, reason: 'client_too_slow' },
  /** The access token expired; reconnect with a fresh one. */
  token_expired: { code: 1008, reason: 'token_expired' },
  /** The event-notifier is shutting down (going away). */
  shutdown: { code: 1001, reason: 'server_shutdown' },
  /** The event source (NATS) ended. */
  source_ended: { code: 1011, reason: 'stream_unavailable' },
  /** Nothing more will come. */
  completed: { code: 1000, reason: 'completed' },
} as const satisfies Partial<Record<StreamCloseReason, { code: number; reason: string }>>;

/** One WebSocket message: the NOTIFY stream sequence and the `orch.event.v1` object. */
export interface WsEventMessage {
  seq: number;
  event: unknown;
}

/**
 * A WebSocket as a {@link StreamTransport} of notifier events. Heartbeats are
 * WebSocket pings: a client that has not answered the previous ping when the
 * next one is due is terminated. The buffer limit is `ws.bufferedAmount`
 * (bytes queued in the socket and the sender): past `maxBufferBytes` the
 * connection closes with 1008 `client_too_slow`.
 */
export class WsTransport implements StreamTransport<NotifyItem> {
  readonly gone: Promise<void>;
  private closed = false;
  private answered = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferBytes: number,
    private readonly logger: Logger,
    private readonly label: string,
  ) {
    this.gone = new Promise((resolve) =>
      ws.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    ws.on('pong', () => (this.answered = true));
    // Socket errors end in 'close'; without a listener they would crash the process.
    ws.on('error', (err) => this.logger.debug(`${label}: ${err.message}`));
  }

  get isGone(): boolean {
    return this.closed;
  }

  open(): void {
    // The WebSocket is open already (upgrade done); nothing to announce.
  }

  send(item: NotifyItem): StreamCloseReason | undefined {
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    this.ws.send(JSON.stringify({ seq: item.seq, event: item.envelope.data } satisfies WsEventMessage));
    return this.overLimit();
  }

  keepAlive(): StreamCloseReason | undefined {
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    if (!this.answered) return 'unresponsive';
    this.answered = false;
    this.ws.ping();
    return this.overLimit();
  }

  finish(reason: StreamCloseReason): void {
    const ws = this.ws;
    if (reason === 'client_closed' || ws.readyState === ws.CLOSED) return;
    if (reason === 'unresponsive') {
      this.logger.debug(`${this.label}: no pong, terminating`);
      ws.terminate();
      return;
    }
    const close = WS_CLOSE[reason];
    if (ws.readyState === ws.OPEN) ws.close(close.code, close.reason);
    // The close frame queues behind unsent data: a client that never reads would keep the socket forever.
    const timer = setTimeout(() => ws.terminate(), reason === 'shutdown' ? SHUTDOWN_FLUSH_TIMEOUT_MS : SLOW_CLIENT_FLUSH_TIMEOUT_MS);
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
  }

  private overLimit(): StreamCloseReason | undefined {
    const buffered = this.ws.bufferedAmount;
    if (buffered <= this.maxBufferBytes) return undefined;
    this.logger.warn(`cutting off slow client (${this.label}): ${buffered} bytes unsent (limit ${this.maxBufferBytes})`);
    return 'slow_client';
  }
}
