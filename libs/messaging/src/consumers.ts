import { ConsumerConfig, JetStreamApiError, JetStreamManager } from '@nats-io/jetstream';

/** JetStream API error code: consumer not found. */
const CONSUMER_NOT_FOUND = 10014;

/** The settings of a durable consumer that {@link ensureDurableConsumer} manages. */
export type DurableConsumerConfig = Partial<ConsumerConfig> & { durable_name: string };

/**
 * Creates a durable consumer, or updates it when its updatable settings differ.
 * Updating only on a real difference matters: on NATS 2.9 an update while
 * messages await redelivery strands one of them until its ack wait runs out.
 * Replicas racing to create an identical consumer agree (the create is idempotent).
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, config: DurableConsumerConfig): Promise<void> {
  try {
    const current = (await jsm.consumers.info(stream, config.durable_name)).config as unknown as Record<string, unknown>;
    const { durable_name: _d, deliver_policy: _p, opt_start_seq: _s, opt_start_time: _t, ...updatable } = config;
    const same = Object.entries(updatable).every(([k, v]) => current[k] === v);
    if (!same) await jsm.consumers.update(stream, config.durable_name, updatable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== CONSUMER_NOT_FOUND) throw err;
    await jsm.consumers.add(stream, config);
  }
}
