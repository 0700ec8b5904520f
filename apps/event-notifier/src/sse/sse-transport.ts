import type { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SHUTDOWN_FLUSH_TIMEOUT_MS, SLOW_CLIENT_FLUSH_TIMEOUT_MS, StreamCloseReason, StreamTransport } from '../streams/live-stream';
import { formatSseComment, formatSseFrame, formatSseRetry, SSE_RETRY_MS } from './sse-frames';

/** How one kind of SSE stream renders its items and its last frame. */
export interface SseFraming<T> {
  /** The frame of one item (with `id:` = its stream sequence). */
  frame(item: T): string;
  /** The frame that ends the stream for `reason`, or undefined to use {@link closingFrame}. */
  last?(reason: StreamCloseReason): string | undefined;
}

/**
 * The frame that tells an SSE client why its stream ends: an `error` event
 * with a stable `code` (`client_too_slow`, `stream_unavailable`,
 * `token_expired`) and no `id` (its Last-Event-ID stays the last event it
 * got), or a comment at shutdown.
 */
export function closingFrame(reason: StreamCloseReason, maxBufferBytes: number): string {
  const error = (code: string, reason: string) => formatSseFrame({ event: 'error', data: JSON.stringify({ code, reason }) });
  switch (reason) {
    case 'slow_client':
      return error('client_too_slow', `client too slow: more than ${maxBufferBytes} bytes were waiting to be sent; reconnect with Last-Event-ID to resume`);
    case 'source_ended':
      return error('stream_unavailable', 'the event source ended; reconnect with Last-Event-ID to resume');
    case 'token_expired':
      return error('token_expired', 'the access token expired; reconnect with a fresh token and Last-Event-ID to resume');
    case 'shutdown':
      return formatSseComment('server shutting down; reconnect with Last-Event-ID');
    default:
      return '';
  }
}

/**
 * An SSE response as a {@link StreamTransport}: event-stream headers, a retry
 * hint, keep-alive comments, and a hard limit on unflushed bytes — when the
 * response stops draining and more than `maxBufferBytes` wait to be sent, the
 * stream ends with a `client_too_slow` error frame.
 */
export class SseTransport<T> implements StreamTransport<T> {
  readonly gone: Promise<void>;
  private closed = false;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly maxBufferBytes: number,
    private readonly framing: SseFraming<T>,
    private readonly logger: Logger,
    private readonly label: string,
  ) {
    this.gone = new Promise((resolve) =>
      res.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  get isGone(): boolean {
    return this.closed;
  }

  open(): void {
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
  }

  send(item: T): StreamCloseReason | undefined {
    return this.write(this.framing.frame(item));
  }

  keepAlive(): StreamCloseReason | undefined {
    return this.write(formatSseComment('keep-alive'));
  }

  finish(reason: StreamCloseReason): void {
    const res = this.res;
    if (res.writableEnded || res.destroyed) return;
    res.end(this.framing.last?.(reason) ?? closingFrame(reason, this.maxBufferBytes));
    // A client that never reads would keep the socket (and its buffer) forever.
    const timer = setTimeout(() => res.destroy(), reason === 'shutdown' ? SHUTDOWN_FLUSH_TIMEOUT_MS : SLOW_CLIENT_FLUSH_TIMEOUT_MS);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  }

  private write(chunk: string): StreamCloseReason | undefined {
    const res = this.res;
    if (res.writableEnded || res.destroyed) return undefined;
    const flushed = res.write(chunk);
    if (!flushed && res.writableLength > this.maxBufferBytes) {
      this.logger.warn(`cutting off slow client (${this.label}): ${res.writableLength} bytes unflushed (limit ${this.maxBufferBytes})`);
      return 'slow_client';
    }
    return undefined;
  }
}
