/**
 * A raw HTTP client for the bad-input suite. node:http rather than fetch: it
 * sends what fetch refuses to (a body on GET, repeated headers, Latin-1 header
 * values, any Content-Encoding), and a WebSocket upgrade request.
 */
import { randomBytes } from 'node:crypto';
import { Agent, IncomingHttpHeaders, IncomingMessage, request } from 'node:http';

/** What to send. `headers` values that are arrays are sent as repeated headers. */
export interface HttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
}

/** What came back. A stream that opened (`text/event-stream`, a 101 upgrade) is cut at once: `opened` says so. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  contentType: string;
  text: string;
  opened: boolean;
}

/** Requests of one suite share keep-alive connections. */
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** How long any one request may take; bad input must be refused quickly. */
export const REQUEST_TIMEOUT_MS = 15_000;

function read(res: IncomingMessage): Promise<Answer> {
  const contentType = String(res.headers['content-type'] ?? '');
  const base = { status: res.statusCode ?? 0, headers: res.headers, contentType };
  if (contentType.startsWith('text/event-stream')) {
    // A stream opened: bad input should never get here. Do not wait for its end.
    res.destroy();
    return Promise.resolve({ ...base, text: '', opened: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ ...base, text: Buffer.concat(chunks).toString('utf8'), opened: false }));
    res.on('error', reject);
  });
}

/** Sends one request to `baseUrl` (http://host:port) and reads the whole answer. */
export function send(baseUrl: string, req: HttpRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
  const headers: Record<string, string | string[]> = { ...req.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: url.hostname, port: url.port, method: req.method ?? 'GET', path: req.path, headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => read(res).then(resolve, reject),
    );
    r.on('timeout', () => r.destroy(new Error(`${req.method ?? 'GET'} ${req.path} took longer than ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

/**
 * A WebSocket upgrade request (RFC 6455 handshake headers plus `headers`). A
 * refusal comes back as an ordinary answer; an accepted upgrade is closed at
 * once and answered as `{status: 101, opened: true}`.
 */
export function upgrade(baseUrl: string, path: string, headers: Record<string, string | string[]> = {}): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request({
      host: url.hostname,
      port: url.port,
      path,
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    r.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, contentType: '', text: '', opened: true });
    });
    r.on('response', (res) => read(res).then(resolve, reject));
    r.on('timeout', () => r.destroy(new Error(`upgrade ${path} took longer than ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', reject);
    r.end();
  });
}

/** Closes the pooled connections (end of the suite). */
export function closeHttpClient(): void {
  agent.destroy();
}
