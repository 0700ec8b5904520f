import { headers as natsHeaders, MsgHdrs, NatsConnection, errors as natsErrors } from '@nats-io/transport-node';
import { jetstream, JetStreamClient, PubAck } from '@nats-io/jetstream';
import { EnvelopeInit, OrchError, OrchNames, ServiceName, WorkerVerb } from '@orch/contracts';
import { injectTraceContext } from '@orch/telemetry';
import { decodeReply, encodeJson, makeEnvelope } from './codec';

/** Default time a command waits for its reply. */
export const REQUEST_TIMEOUT_DEFAULT_MS = 10_000;

/** Request options. */
export interface RequestOptions {
  timeoutMs?: number;
}

/** NATS headers carrying the current W3C trace context (plus any extra). */
export function traceHeaders(extra: Record<string, string> = {}): MsgHdrs {
  const h = natsHeaders();
  injectTraceContext((k, v) => h.set(k, v));
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
}

/**
 * Sends envelopes over NATS: commands (request/reply) and JetStream publishes.
 * Transport failures become OrchErrors: no responders → `unavailable`,
 * timeout → `timeout`, both retryable.
 */
export class OrchClient {
  private readonly js: JetStreamClient;

  constructor(
    readonly nc: NatsConnection,
    readonly names: OrchNames,
  ) {
    this.js = jetstream(nc);
  }

  /** Request/reply to any subject with an envelope; returns the reply's data. */
  async request<TRes, TReq = unknown>(subject: string, init: EnvelopeInit<TReq>, opts: RequestOptions = {}): Promise<TRes> {
    const env = makeEnvelope(init);
    const timeout = opts.timeoutMs ?? REQUEST_TIMEOUT_DEFAULT_MS;
    try {
      const msg = await this.nc.request(subject, encodeJson(env), { timeout, headers: traceHeaders() });
      return decodeReply<TRes>(msg.data);
    } catch (err) {
      throw mapTransportError(err, subject, timeout);
    }
  }

  /** A command to a service: `orch.cmd.<service>.<verb>`. */
  command<TRes, TReq = unknown>(service: ServiceName, verb: string, init: EnvelopeInit<TReq>, opts?: RequestOptions): Promise<TRes> {
    return this.request<TRes, TReq>(this.names.cmd(service, verb), init, opts);
  }

  /** A worker-protocol request for a tenant: `orch.worker.<tenant>.<verb>`. */
  worker<TRes, TReq = unknown>(verb: WorkerVerb, init: EnvelopeInit<TReq>, opts?: RequestOptions): Promise<TRes> {
    return this.request<TRes, TReq>(this.names.worker(init.tenant, verb), init, opts);
  }

  /** Persists a message in JetStream; `msgId` deduplicates republishes within the stream's window. */
  async publish(subject: string, body: unknown, opts: { msgId?: string; headers?: Record<string, string> } = {}): Promise<PubAck> {
    return this.js.publish(subject, encodeJson(body), { msgID: opts.msgId, headers: traceHeaders(opts.headers) });
  }

  /** The underlying JetStream client. */
  get jetstream(): JetStreamClient {
    return this.js;
  }
}

/** Maps NATS transport errors to retryable OrchErrors; OrchErrors pass through. */
export function mapTransportError(err: unknown, subject: string, timeoutMs: number): unknown {
  if (err instanceof OrchError) return err;
  if (err instanceof natsErrors.RequestError && err.isNoResponders()) {
    return new OrchError('unavailable', `no service answers on ${subject}`, { cause: err, retryable: true });
  }
  if (err instanceof natsErrors.NoRespondersError) {
    return new OrchError('unavailable', `no service answers on ${subject}`, { cause: err, retryable: true });
  }
  if (err instanceof natsErrors.TimeoutError || (err instanceof natsErrors.RequestError && err.cause instanceof natsErrors.TimeoutError)) {
    return new OrchError('timeout', `no reply on ${subject} within ${timeoutMs} ms`, { cause: err, retryable: true });
  }
  return new OrchError('unavailable', `request on ${subject} failed: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
    retryable: true,
  });
}
