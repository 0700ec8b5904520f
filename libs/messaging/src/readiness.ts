import type { NatsConnection } from '@nats-io/transport-node';

/** Flush timeout of the NATS readiness check. */
export const NATS_READINESS_TIMEOUT_MS = 1_500;

/**
 * A readiness check for `@orch/service-kit`'s HealthModule: the connection is
 * open and the server answers a PING within the timeout.
 */
export function natsReadinessCheck(nc: NatsConnection): { name: string; check: () => Promise<void> } {
  return {
    name: 'nats',
    check: async () => {
      if (nc.isClosed()) throw new Error('NATS connection is closed');
      await Promise.race([
        nc.flush(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('NATS did not answer a ping')), NATS_READINESS_TIMEOUT_MS).unref()),
      ]);
    },
  };
}
