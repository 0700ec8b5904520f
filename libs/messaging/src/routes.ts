import type { ServiceName, WorkerVerb } from '@orch/contracts';

/**
 * Handler patterns understood by {@link JetStreamServer}. Use them as the first
 * argument of `@MessagePattern` / `@EventPattern`; pass the payload class as
 * `{ data: Class }` in the second (extras) argument to have `data` validated.
 */
export const Route = {
  /** Core NATS request/reply on `orch.cmd.<service>.<verb>`, queue group = service. */
  command: (service: ServiceName, verb: string) => `cmd:${service}:${verb}`,
  /** Worker protocol request/reply on `orch.worker.*.<verb>`, queue group `lease-broker`. */
  worker: (verb: WorkerVerb) => `worker:${verb}`,
  /** A JetStream durable pull consumer, configured in the server options under `name`. */
  consumer: (name: string) => `consumer:${name}`,
} as const;

/** Configuration of a JetStream consumer bound to `Route.consumer(name)`. */
export interface ConsumerBinding {
  stream: string;
  durable: string;
  filterSubject: string;
  /** Messages in flight per process (default 256). */
  maxInFlight?: number;
  ackWaitMs?: number;
  maxDeliver?: number;
  /** Deliver from now instead of from the start of the stream when first created. */
  deliverNew?: boolean;
}
