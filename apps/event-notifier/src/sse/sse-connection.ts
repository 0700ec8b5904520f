import type { Logger } from '@nestjs/common';
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { decodeEnvelope, Envelope, OrchError } from '@orch/contracts';
import type { Request, Response } from 'express';
import { formatSseComment, formatSseFrame, formatSseRetry, SSE_RETRY_MS } from './sse-frames';
import { matchesFilter, StreamRequest } from './stream-request';

/** Per-connection limits (from config). */
export interface SseLimits {
  keepAliveMs: number;
  /** Unflushed bytes allowed before the client counts as too slow. */
  maxBufferBytes: number;
}

/** Why a stream ended. */
export type SseCloseReason = 'client_closed' | 'slow_client' | 'shutdown' | 'source_ended' | 'token_expired';

/** Messages the ordered consumer pulls ahead per connection. */
export const SSE_PULL_BATCH = 256;
/** After cutting off a slow client, how long its last bytes may take before the socket is destroyed. */
export const SLOW_CLIENT_FLUSH_TIMEOUT_MS = 10_000;
/** At shutdown, how long a stream may take to flush before its socket is destroyed. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 1_000;
/** Longest delay setTimeout takes (about 24.8 days); a stream that old is ended then and the client reconnects. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One SSE client: pumps its ordered consumer (NOTIFY stream, one tenant) into
 * the HTTP response as frames whose `id` is the stream sequence. Memory per
 * client is bounded: when the response stops draining and more than
 * `maxBufferBytes` wait to be sent, the client is cut off with an `error`
 * frame; it resumes later with Last-Event-ID.
 */
export class SseConnection {
  /** Frames sent / messages skipped by the filters. */
  delivered = 0;
  skipped = 0;
  private closing = false;
  private messages?: ConsumerMessages;
  private keepAlive?: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;
  private pumping: Promise<void> = Promise.resolve();
  private readonly responseClosed: Promise<void>;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly request: StreamRequest,
    private readonly consumer: Consumer,
    private readonly limits: SseLimits,
    private readonly logger: Logger,
  ) {
    this.responseClosed = new Promise((resolve) => res.once('close', () => resolve()));
    res.once('close', () => void this.close('client_closed'));
  }

  /** Resolves when the response is closed and the consumer loop has ended. */
  get done(): Promise<void> {
    return Promise.all([this.responseClosed, this.pumping]).then(() => undefined);
  }

  /** Starts consuming, sends the headers and the retry hint, then streams until closed. */
  async start(): Promise<void> {
    try {
      this.messages = await this.consumer.consume({ max_messages: SSE_PULL_BATCH });
    } catch (cause) {
      // Nothing was written yet: the caller answers with a problem body.
      this.closing = true;
      void this.consumer.delete().catch(() => undefined);
      throw new OrchError('unavailable', `could not start the event stream of tenant ${this.request.tenant}`, { cause, retryable: true });
    }
    if (this.closing) {
      // The client left while the consumer was starting; close() could not stop it yet.
      this.messages.stop();
      return;
    }
    const res = this.res;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    // Frames are small and latency matters more than packet count.
    this.req.socket.setNoDelay(true);
    this.write(formatSseRetry(SSE_RETRY_MS));
    this.keepAlive = setInterval(() => this.write(formatSseComment('keep-alive')), this.limits.keepAliveMs);
    // A stream outlives no token: it ends when the caller's token expires (the client reconnects with a new one).
    if (this.request.expiresAt !== undefined) {
      this.expiry = setTimeout(() => void this.close('token_expired'), Math.max(0, Math.min(this.request.expiresAt - Date.now(), MAX_TIMER_MS)));
    }
    this.pumping = this.pump(this.messages);
  }

  /** Ends the stream (idempotent): stops and deletes the consumer, sends a last frame where useful. */
  close(reason: SseCloseReason): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      clearInterval(this.keepAlive);
      clearTimeout(this.expiry);
      this.messages?.stop();
      // Ordered consumers expire on their own, but deleting frees the server at once.
      void this.consumer.delete().catch(() => undefined);
      this.logger.debug(`SSE stream of tenant ${this.request.tenant} closed (${reason}): ${this.delivered} sent, ${this.skipped} filtered out`);
      this.finish(reason);
    }
    return this.done;
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.closing) break;
        this.deliver(m);
      }
    } catch (err) {
      this.logger.warn(`SSE consumer for tenant ${this.request.tenant} failed: ${(err as Error).message}`);
    }
    if (!this.closing) void this.close('source_ended');
  }

  private deliver(m: JsMsg): void {
    let envelope: Envelope<unknown>;
    try {
      envelope = decodeEnvelope(m.data);
    } catch (err) {
      this.logger.warn(`skipping undecodable notifier message ${m.seq} on ${m.subject}: ${(err as Error).message}`);
      return;
    }
    // The subject filter already scopes the consumer to the tenant; this guards against a misrouted message.
    if (envelope.tenant !== this.request.tenant || !matchesFilter(envelope, this.request.filter)) {
      this.skipped += 1;
      return;
    }
    const eventType = (envelope.data as { eventType?: unknown }).eventType;
    this.write(formatSseFrame({ id: String(m.seq), event: typeof eventType === 'string' ? eventType : envelope.type, data: JSON.stringify(envelope.data) }));
    this.delivered += 1;
  }

  private write(chunk: string): void {
    const res = this.res;
    if (this.closing || res.writableEnded || res.destroyed) return;
    const flushed = res.write(chunk);
    if (!flushed && res.writableLength > this.limits.maxBufferBytes) {
      this.logger.warn(
        `cutting off slow SSE client of tenant ${this.request.tenant}: ${res.writableLength} bytes unflushed (limit ${this.limits.maxBufferBytes})`,
      );
      void this.close('slow_client');
    }
  }

  private finish(reason: SseCloseReason): void {
    const res = this.res;
    if (res.writableEnded || res.destroyed) return;
    let last = '';
    if (reason === 'slow_client') {
      last = formatSseFrame({
        event: 'error',
        data: JSON.stringify({
          code: 'client_too_slow',
          reason: `client too slow: more than ${this.limits.maxBufferBytes} bytes were waiting to be sent; reconnect with Last-Event-ID to resume`,
        }),
      });
    } else if (reason === 'source_ended') {
      last = formatSseFrame({
        event: 'error',
        data: JSON.stringify({ code: 'stream_unavailable', reason: 'the event source ended; reconnect with Last-Event-ID to resume' }),
      });
    } else if (reason === 'token_expired') {
      last = formatSseFrame({
        event: 'error',
        data: JSON.stringify({ code: 'token_expired', reason: 'the access token expired; reconnect with a fresh token and Last-Event-ID to resume' }),
      });
    } else if (reason === 'shutdown') {
      last = formatSseComment('server shutting down; reconnect with Last-Event-ID');
    }
    res.end(last);
    // A client that never reads would keep the socket (and its buffer) forever.
    const timer = setTimeout(() => res.destroy(), reason === 'shutdown' ? SHUTDOWN_FLUSH_TIMEOUT_MS : SLOW_CLIENT_FLUSH_TIMEOUT_MS);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  }
}
