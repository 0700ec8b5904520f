/**
 * A WebSocket client for tests of the event-notifier's event stream: records
 * messages and the close code/reason, captures a refused upgrade's HTTP answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { NotifierEvent } from '@orch/contracts';
import { waitFor } from './isolation';
import { WebSocket } from 'ws';

/** The HTTP answer to an upgrade request the server refused. */
export interface WsRefusal {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the connection ended. */
export interface WsClose {
  code: number;
  reason: string;
}

/** One received message, parsed. */
export interface WsReceived {
  seq: number;
  event: NotifierEvent;
}

/** Options of {@link WsTestClient.connect}. */
export interface WsTestClientOptions {
  headers?: Record<string, string>;
  /** Answer the server's pings (default true); false plays a client that stopped responding. */
  autoPong?: boolean;
}

/** A connected WebSocket that records what it receives. */
export class WsTestClient {
  readonly messages: WsReceived[] = [];
  readonly closed: Promise<WsClose>;
  closeInfo?: WsClose;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as WsReceived));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
    ws.on('error', () => undefined);
  }

  /** Connects and resolves once the WebSocket is open; rejects with the {@link WsRefusal} when the upgrade is refused. */
  static connect(url: string, options: WsTestClientOptions = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: options.headers ?? {}, autoPong: options.autoPong ?? true });
      const client = new WsTestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => reject({ status: res.statusCode ?? 0, headers: res.headers, body } satisfies WsRefusal));
        res.on('error', () => reject({ status: res.statusCode ?? 0, headers: res.headers, body } satisfies WsRefusal));
        req.on('error', () => undefined);
      });
      ws.once('error', (err) => reject(err));
    });
  }

  /** The HTTP answer to an upgrade that must be refused (fails if the upgrade succeeds). */
  static async refusal(url: string, headers: Record<string, string> = {}): Promise<WsRefusal> {
    try {
      const c = await WsTestClient.connect(url, { headers });
      c.close();
    } catch (err) {
      if ((err as WsRefusal).status !== undefined) return err as WsRefusal;
      throw err;
    }
    throw new Error(`the upgrade to ${url} was accepted`);
  }

  /** Sequences of the messages received. */
  get seqs(): number[] {
    return this.messages.map((m) => m.seq);
  }

  get events(): NotifierEvent[] {
    return this.messages.map((m) => m.event);
  }

  get lastSeq(): number | undefined {
    return this.messages[this.messages.length - 1]?.seq;
  }

  async waitForMessages(n: number, what = `${n} WebSocket messages`): Promise<void> {
    await waitFor(() => this.messages.length >= n, { timeoutMs: 20_000, what: `${what} (have ${this.messages.length})` });
  }

  /** Stops reading from the socket: the server's buffers fill up. */
  pause(): void {
    this.socket().pause();
  }

  resume(): void {
    this.socket().resume();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }
}
