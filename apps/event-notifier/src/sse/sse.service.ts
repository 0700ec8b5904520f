import { Inject, Injectable, Logger } from '@nestjs/common';
import { OrchNames } from '@orch/contracts';
import { ORCH_NAMES } from '@orch/messaging';
import type { Request, Response } from 'express';
import { EventNotifierConfig } from '../config';
import { LiveStreams } from '../streams/live-streams.service';
import { notifyDecoder, NotifyItem } from '../streams/notify-messages';
import { formatSseFrame } from './sse-frames';
import { SseFraming, SseTransport } from './sse-transport';
import { StreamRequest } from './stream-request';

/** Notifier events as SSE: `id` = NOTIFY stream sequence, `event` = event type, `data` = the `orch.event.v1` object. */
export const eventFraming: SseFraming<NotifyItem> = {
  frame: (item) => formatSseFrame({ id: String(item.seq), event: item.eventType, data: JSON.stringify(item.envelope.data) }),
};

/**
 * Opens SSE streams of notifier events: one ordered consumer per client on
 * the NOTIFY stream (filter `orch.notify.<tenant>.>`), see {@link LiveStreams}.
 */
@Injectable()
export class SseService {
  private readonly logger = new Logger('SseService');

  constructor(
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: EventNotifierConfig,
    private readonly streams: LiveStreams,
  ) {}

  /**
   * Serves one stream on `res` until the client leaves, is too slow, its token
   * expires, or the service shuts down.
   *
   * @throws OrchError `unavailable` (before anything was written) when shutting
   *   down or when NATS cannot provide the stream.
   */
  async open(req: Request, res: Response, request: StreamRequest): Promise<void> {
    const resume = 'with Last-Event-ID';
    this.streams.refuseWhileStopping(resume);
    const label = `SSE events of tenant ${request.tenant}`;
    const transport = new SseTransport(req, res, this.config.SSE_MAX_BUFFER_BYTES, eventFraming, this.logger, label);
    const stream = this.names.streams.notify;
    await this.streams.run(
      {
        label,
        stream,
        filterSubject: this.names.notifyTenant(request.tenant),
        startSeq: await this.streams.firstSequence(stream, request.start),
        decode: notifyDecoder(request.tenant, request.filter, this.logger),
        transport,
        keepAliveMs: this.config.SSE_KEEPALIVE_MS,
        ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
      },
      resume,
    );
  }
}
