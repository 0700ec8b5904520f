import { connect, NatsConnection } from '@nats-io/transport-node';

/** How a service reaches NATS. */
export interface NatsConnectOptions {
  url: string;
  /** Client name shown by the server (service name + role). */
  name: string;
  user?: string;
  pass?: string;
}

/**
 * Connects with reconnects forever (services ride out a NATS restart) and
 * waits for the first connection, so a service that starts before NATS waits
 * instead of dying.
 */
export function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: opts.url.split(',').map((s) => s.trim()),
    name: opts.name,
    user: opts.user,
    pass: opts.pass,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 5_000,
    // nats.js captures a stack trace for every request and JetStream publish to enrich
    // timeouts; on the hot path that costs more than the request itself.
    noAsyncTraces: true,
  });
}
