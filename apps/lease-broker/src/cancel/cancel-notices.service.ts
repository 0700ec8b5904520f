import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decodeEnvelope, EventType, OrchNames } from '@orch/contracts';
import { encodeJson, makeEnvelope, NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { cancelNoticeFor } from './cancel-notice';

/** Trace headers carried from the ledger event onto the notice. */
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/**
 * Tells running workers that their job is to be canceled: every
 * `job.cancel_requested` ledger event (the outbox's JetStream publish reaches
 * core subscribers too) becomes a core NATS notice on
 * `<ns>.cancel.<tenant>.<jobId>`. One replica handles each event (queue group);
 * a duplicate would be harmless. Best effort by design: a notice nobody hears
 * is made up for by the heartbeat reply (`cancelRequested: true`).
 */
@Injectable()
export class CancelNoticesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CancelNotices');
  private subscription: Subscription | null = null;
  /** Notices published (for tests and metrics). */
  published = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(this.names.evtOfType(EventType.cancelRequested), {
      queue: 'lease-broker',
      callback: (err, msg) => {
        if (err) this.logger.warn(`cancel request subscription: ${err.message}`);
        else this.relay(msg);
      },
    });
  }

  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  private relay(msg: Msg): void {
    try {
      const notice = cancelNoticeFor(this.names, decodeEnvelope(msg.data));
      const h = natsHeaders();
      for (const k of TRACE_HEADERS) {
        const v = msg.headers?.get(k);
        if (v) h.set(k, v);
      }
      this.nc.publish(notice.subject, encodeJson(makeEnvelope(notice.envelope)), { headers: h });
      this.published += 1;
    } catch (err) {
      this.logger.warn(`dropped a cancel request event on ${msg.subject}: ${(err as Error).message}`);
    }
  }
}
