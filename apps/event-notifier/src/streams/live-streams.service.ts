import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Consumer, DeliverPolicy, jetstream, JetStreamClient, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { OrchError } from '@orch/contracts';
import { NATS_CONNECTION } from '@orch/messaging';
import { ShutdownState } from '@orch/service-kit';
import { LiveStream, LiveStreamSpec } from './live-stream';
import { startSequence, StreamStart } from './stream-params';

/** What {@link LiveStreams.run} needs besides the consumer it creates. */
export interface RunStreamSpec<T> extends Omit<LiveStreamSpec<T>, 'consumer'> {
  /** The JetStream stream (NOTIFY, LOGS). */
  stream: string;
  /** The one subject filter of the consumer (NATS 2.9: single filter), e.g. `orch.notify.<tenant>.>`. */
  filterSubject: string;
}

/**
 * Every live stream of this process (SSE events, WebSocket events, SSE job
 * logs): creates each client's ordered consumer at an explicit stream
 * sequence, so the resume point is exact and survives the consumer's own
 * internal resets, and ends them all before the HTTP server closes.
 */
@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveStreams');
  private readonly streams = new Set<LiveStream<unknown>>();
  private readonly js: JetStreamClient;
  private jsm?: Promise<JetStreamManager>;
  private stopping = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly shutdown: ShutdownState,
  ) {
    this.js = jetstream(nc);
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /** Whether the service is shutting down (no new streams). */
  get isStopping(): boolean {
    return this.stopping || this.shutdown.isShuttingDown;
  }

  /**
   * @throws OrchError `unavailable` (retryable) while the service shuts down;
   *   `resume` tells the client how to come back.
   */
  refuseWhileStopping(resume: string): void {
    if (this.isStopping) {
      throw new OrchError('unavailable', `the event-notifier is shutting down; reconnect ${resume}`, { retryable: true });
    }
  }

  /**
   * The first sequence of `stream` to deliver for `start` (`new` is resolved
   * against the stream's end now, so nothing stored after this call is missed).
   *
   * @throws OrchError `unavailable` when NATS cannot say.
   */
  async firstSequence(stream: string, start: StreamStart): Promise<number> {
    if (start.kind !== 'new') return startSequence(start, 0);
    try {
      return startSequence(start, (await (await this.manager()).streams.info(stream)).state.last_seq);
    } catch (cause) {
      throw new OrchError('unavailable', `the stream ${stream} is not available`, { cause, retryable: true });
    }
  }

  /** The sequence of the last message stored on `subject` (0 when there is none). */
  async lastSequenceOf(stream: string, subject: string): Promise<number> {
    const m = await (await this.manager()).streams.getMessage(stream, { last_by_subj: subject });
    return m?.seq ?? 0;
  }

  /**
   * Creates the client's consumer and starts its stream. Resolves with the
   * running stream, or undefined when the client left meanwhile.
   *
   * @throws OrchError `unavailable` (nothing was sent yet) when shutting down or
   *   when NATS cannot provide the consumer.
   */
  async run<T>(spec: RunStreamSpec<T>, resume: string): Promise<LiveStream<T> | undefined> {
    this.refuseWhileStopping(resume);
    const consumer = await this.createConsumer(spec.stream, spec.filterSubject, spec.startSeq);
    if (spec.transport.isGone || this.stopping) {
      await consumer.delete().catch(() => undefined);
      if (!spec.transport.isGone) this.refuseWhileStopping(resume);
      return undefined;
    }
    const live = new LiveStream<T>({ ...spec, consumer }, this.logger);
    const entry = live as LiveStream<unknown>;
    this.streams.add(entry);
    void live.done.then(() => this.streams.delete(entry));
    await live.start();
    return live;
  }

  /** Ends every open stream so the HTTP server can close and the process exit. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.streams].map((s) => s.close('shutdown')));
  }

  private async createConsumer(stream: string, filterSubject: string, startSeq: number): Promise<Consumer> {
    try {
      return await this.js.consumers.get(stream, {
        // A single string becomes filter_subject: NATS 2.9 has no multi-filter consumers.
        filter_subjects: filterSubject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: startSeq,
      });
    } catch (cause) {
      throw new OrchError('unavailable', `the stream ${stream} is not available`, { cause, retryable: true });
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
