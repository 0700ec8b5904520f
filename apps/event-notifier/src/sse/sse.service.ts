import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Consumer, DeliverPolicy, jetstream, JetStreamClient, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { OrchError, OrchNames } from '@orch/contracts';
import { NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { ShutdownState } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { EventNotifierConfig } from '../config';
import { SseConnection } from './sse-connection';
import { startSequence, StreamRequest } from './stream-request';

/**
 * Opens SSE streams on the NOTIFY stream and ends them all at shutdown. Each
 * client gets its own ordered consumer (filter `orch.notify.<tenant>.>`,
 * starting at an explicit stream sequence, so the resume point is exact and
 * survives the consumer's own internal resets).
 */
@Injectable()
export class SseService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('SseService');
  private readonly connections = new Set<SseConnection>();
  private readonly js: JetStreamClient;
  private jsm?: Promise<JetStreamManager>;
  private stopping = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: EventNotifierConfig,
    private readonly shutdown: ShutdownState,
  ) {
    this.js = jetstream(nc);
  }

  /**
   * Serves one stream on `res` until the client leaves, is too slow, or the
   * service shuts down.
   *
   * @throws OrchError `unavailable` (before anything was written) when shutting
   *   down or when NATS cannot provide the stream.
   */
  async open(req: Request, res: Response, request: StreamRequest): Promise<void> {
    this.refuseWhileStopping();
    let gone = false;
    res.once('close', () => (gone = true));
    const consumer = await this.createConsumer(request);
    if (gone || this.stopping) {
      await consumer.delete().catch(() => undefined);
      if (!gone) this.refuseWhileStopping();
      return;
    }
    const conn = new SseConnection(
      req,
      res,
      request,
      consumer,
      { keepAliveMs: this.config.SSE_KEEPALIVE_MS, maxBufferBytes: this.config.SSE_MAX_BUFFER_BYTES },
      this.logger,
    );
    this.connections.add(conn);
    void conn.done.then(() => this.connections.delete(conn));
    await conn.start();
  }

  /** Ends every open stream so the HTTP server can close and the process exit. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.connections].map((c) => c.close('shutdown')));
  }

  private refuseWhileStopping(): void {
    if (this.stopping || this.shutdown.isShuttingDown) {
      throw new OrchError('unavailable', 'the event-notifier is shutting down; reconnect with Last-Event-ID', { retryable: true });
    }
  }

  private async createConsumer(request: StreamRequest): Promise<Consumer> {
    const stream = this.names.streams.notify;
    try {
      const lastSeq = request.start.kind === 'new' ? (await (await this.manager()).streams.info(stream)).state.last_seq : 0;
      return await this.js.consumers.get(stream, {
        // A single string becomes filter_subject: NATS 2.9 has no multi-filter consumers.
        filter_subjects: this.names.notifyTenant(request.tenant),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: startSequence(request.start, lastSeq),
      });
    } catch (cause) {
      throw new OrchError('unavailable', `the event stream ${stream} is not available`, { cause, retryable: true });
    }
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((err: unknown) => {
      this.jsm = undefined;
      throw err;
    });
    return this.jsm;
  }
}
