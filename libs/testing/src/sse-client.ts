/**
 * A raw Server-Sent Events client for tests of the event-notifier's streams:
 * parses frames as they arrive and keeps comments, so a test sees exactly what
 * the server wrote (ids, event names, keep-alives, shutdown notices).
 */
import { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import type { NotifierEvent } from '@orch/contracts';
import { waitFor } from './isolation';

/** One parsed SSE event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A raw SSE client over node:http that parses frames as they arrive. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  raw = '';
  ended = false;
  readonly closed: Promise<void>;
  private buffer = '';

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.feed(chunk));
    this.closed = new Promise((resolve) => {
      res.on('end', () => {
        this.ended = true;
        resolve();
      });
      res.on('close', () => resolve());
      res.on('error', () => resolve());
    });
  }

  /** Opens a stream and resolves once the response headers arrived (the server's consumer exists then). */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(req, res)));
      req.on('error', reject);
      req.end();
    });
  }

  get status(): number | undefined {
    return this.res.statusCode;
  }

  /** The notifier events received (frames with data and an id). */
  get notifierEvents(): (NotifierEvent & { sseId: number; sseEvent: string | undefined })[] {
    return this.events.filter((e) => e.id !== undefined).map((e) => ({ ...(JSON.parse(e.data) as NotifierEvent), sseId: Number(e.id), sseEvent: e.event }));
  }

  get lastId(): string | undefined {
    return [...this.events].reverse().find((e) => e.id !== undefined)?.id;
  }

  async waitForEvents(n: number, what = `${n} SSE events`): Promise<void> {
    await waitFor(() => this.events.length >= n, { timeoutMs: 20_000, what: `${what} (have ${this.events.length})` });
  }

  close(): void {
    this.req.destroy();
  }

  private feed(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const ev: SseEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const idx = line.indexOf(':');
        const field = idx < 0 ? line : line.slice(0, idx);
        const value = idx < 0 ? '' : line.slice(idx + 1).replace(/^ /, '');
        if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) {
        ev.data = data.join('\n');
        this.events.push(ev);
      }
    }
  }
}
