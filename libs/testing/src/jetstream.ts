/**
 * Reads of what JetStream holds, for tests that compare what a client got with
 * what was stored (whole streams, consumer progress, open consumers).
 */
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEnvelope, Envelope } from '@orch/contracts';
import { waitFor } from './isolation';

/** A stored stream message. */
export interface StoredMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  envelope: Envelope<unknown>;
}

/** Every message a stream holds on `filter` now, in stream order. */
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

/** How many consumers on `stream` have the filter `filter` (a live stream's client has one). */
export async function consumersOn(nc: NatsConnection, stream: string, filter: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let n = 0;
  for await (const ci of jsm.consumers.list(stream)) if (ci.config.filter_subject === filter) n += 1;
  return n;
}
