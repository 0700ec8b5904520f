/**
 * Helpers for the event-notifier integration tests: driving the ledger-writer
 * through its commands, reading whole streams, and a raw SSE client.
 */
import { request as httpRequest, IncomingMessage, ClientRequest } from 'node:http';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Allocation,
  decodeEnvelope,
  Envelope,
  FailResult,
  JobView,
  LeaseCommandResult,
  NotifierEvent,
  SubmitJobCommand,
  SubmitJobResult,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { waitFor } from '@orch/testing';

/** A job to submit. */
export interface JobSpec {
  tenant: string;
  project: string;
  jobType: string;
  correlationId: string;
  maxAttempts?: number;
}

/** Drives the ledger-writer the way api, scheduler and lease-broker do. */
export class LedgerDriver {
  private keys = 0;

  constructor(private readonly client: OrchClient) {}

  async submit(spec: JobSpec): Promise<JobView> {
    const body = { tenant: spec.tenant, project: spec.project, jobType: spec.jobType, payload: { n: this.keys }, ...(spec.maxAttempts ? { maxAttempts: spec.maxAttempts } : {}) };
    const data: SubmitJobCommand = { ...body, idempotencyKey: `key-${spec.correlationId}-${this.keys++}`, requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    const r = await this.client.command<SubmitJobResult>('ledger-writer', 'submit', {
      type: 'ledger.submit',
      tenant: spec.tenant,
      project: spec.project,
      correlationId: spec.correlationId,
      data,
    });
    return r.job;
  }

  /** admit → lease (by `workerId`) → start: the job is running. */
  async runToRunning(job: JobView, workerId: string): Promise<Allocation> {
    const base = { tenant: job.tenant, project: job.project, correlationId: job.correlationId, jobType: job.jobType };
    await this.client.command('ledger-writer', 'admit', { ...base, type: 'ledger.admit', data: { jobs: [{ jobId: job.id, attempt: job.attempt }] } });
    const leased = await this.client.command<LeaseCommandResult>('ledger-writer', 'lease', {
      ...base,
      type: 'ledger.lease',
      taskRunnerId: workerId,
      data: { workerId, leaseMs: 60_000, jobs: [{ jobId: job.id, attempt: job.attempt }] },
    });
    const result = leased.results[0];
    if (!result?.ok) throw new Error(`lease refused: ${JSON.stringify(result)}`);
    await this.worker('start', result.allocation, workerId, {});
    return result.allocation;
  }

  async progress(a: Allocation, workerId: string, percent: number): Promise<void> {
    await this.worker('progress', a, workerId, { percent, message: `at ${percent}%` });
  }

  async complete(a: Allocation, workerId: string): Promise<void> {
    await this.worker('complete', a, workerId, { result: { ok: true } });
  }

  async fail(a: Allocation, workerId: string): Promise<FailResult> {
    return this.worker<FailResult>('fail', a, workerId, { error: { code: 'upstream_503', message: 'upstream unavailable', retryable: true } });
  }

  private worker<T>(verb: string, a: Allocation, workerId: string, extra: Record<string, unknown>): Promise<T> {
    return this.client.command<T>('ledger-writer', verb, {
      type: `ledger.${verb}`,
      tenant: a.tenant,
      project: a.project,
      correlationId: a.correlationId,
      jobType: a.jobType,
      taskRunnerId: workerId,
      data: { jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken, ...extra },
    });
  }
}

/** A stored stream message. */
export interface StoredMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  envelope: Envelope<unknown>;
}

/** Every message a stream holds on `filter` now, in order. */
export async function readStream(nc: NatsConnection, stream: string, filter: string): Promise<StoredMessage[]> {
  const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.All });
  try {
    const pending = (await consumer.info(true)).num_pending;
    const out: StoredMessage[] = [];
    while (out.length < pending) {
      const batch = await consumer.fetch({ max_messages: Math.min(1000, pending - out.length), expires: 5_000 });
      for await (const m of batch) {
        out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || undefined, envelope: decodeEnvelope(m.data) });
      }
    }
    return out;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/** Waits until the durable has acknowledged (acked or terminated) everything in its stream. */
export async function waitForDurableCaughtUp(nc: NatsConnection, stream: string, durable: string): Promise<{ lastSeq: number; deliveredConsumerSeq: number }> {
  const jsm = await jetstreamManager(nc);
  return waitFor(
    async () => {
      const [s, c] = await Promise.all([jsm.streams.info(stream), jsm.consumers.info(stream, durable)]);
      const caughtUp = c.ack_floor.stream_seq >= s.state.last_seq && c.num_pending === 0 && c.num_ack_pending === 0;
      return caughtUp ? { lastSeq: s.state.last_seq, deliveredConsumerSeq: c.delivered.consumer_seq } : undefined;
    },
    { timeoutMs: 20_000, what: `${durable} to acknowledge all of ${stream}` },
  );
}

/** Consumers on `stream` whose filter is `filter`. */
export async function consumersOn(nc: NatsConnection, stream: string, filter: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let n = 0;
  for await (const ci of jsm.consumers.list(stream)) if (ci.config.filter_subject === filter) n += 1;
  return n;
}

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
