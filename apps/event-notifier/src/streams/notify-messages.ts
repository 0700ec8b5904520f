import type { Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { decodeEnvelope, Envelope } from '@orch/contracts';
import { matchesFilter, StreamFilter } from './stream-params';

/** A notifier message a client may see, with its NOTIFY stream sequence (the resume position). */
export interface NotifyItem {
  seq: number;
  /** The `orch.event.v1` envelope; `data` is the NotifierEvent. */
  envelope: Envelope<unknown>;
  /** `data.eventType` (falls back to the envelope type). */
  eventType: string;
}

/**
 * The decoder of notifier-event streams (SSE and WebSocket alike): a NOTIFY
 * message of `tenant` that passes `filter`, or undefined. The consumer's
 * subject filter already scopes it to the tenant; the envelope check guards
 * against a misrouted message.
 */
export function notifyDecoder(tenant: string, filter: StreamFilter, logger: Logger): (m: JsMsg) => NotifyItem | undefined {
  return (m) => {
    let envelope: Envelope<unknown>;
    try {
      envelope = decodeEnvelope(m.data);
    } catch (err) {
      logger.warn(`skipping undecodable notifier message ${m.seq} on ${m.subject}: ${(err as Error).message}`);
      return undefined;
    }
    if (envelope.tenant !== tenant || !matchesFilter(envelope, filter)) return undefined;
    const eventType = (envelope.data as { eventType?: unknown } | null)?.eventType;
    return { seq: m.seq, envelope, eventType: typeof eventType === 'string' ? eventType : envelope.type };
  };
}
