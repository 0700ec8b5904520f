import { Logger } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  ConsumerMessages,
  DeliverPolicy,
  JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Envelope, OrchError, OrchNames, ServiceName, validatePlain } from '@orch/contracts';
import { currentTraceId, runWithContext, withExtractedTraceContext } from '@orch/telemetry';
import { lastValueFrom } from 'rxjs';
import { decodeEnvelope, errorReply, okReply, toErrorBody } from './codec';
import { connectNats, NatsConnectOptions } from './connection';
import { ensureDurableConsumer } from './consumers';
import { outcomeFor } from './outcome';
import { ConsumerBinding } from './routes';

/** What a handler receives: the envelope, its validated data, and headers. */
export interface Incoming<T> {
  envelope: Envelope<T>;
  data: T;
  subject: string;
  headers?: MsgHdrs;
  /** JetStream delivery count (1 for the first delivery; 1 for requests). */
  deliveryCount: number;
}

/** Nest context for Orch handlers: `[subject, headers]`. */
export class OrchRpcContext extends BaseRpcContext<[string, MsgHdrs | undefined]> {}

/** Options of {@link JetStreamServer}. */
export interface JetStreamServerOptions {
  connection: NatsConnectOptions;
  names: OrchNames;
  /** This service: queue group for its commands. */
  service: ServiceName;
  consumers?: Record<string, ConsumerBinding>;
  /** Grace period for in-flight handlers at close. */
  drainTimeoutMs?: number;
}

type HandlerExtras = { data?: new () => object };

const WORKING_INTERVAL_MS = 10_000;

/**
 * NestJS transport over NATS for Orch services. Handles three route kinds
 * (see `Route`): commands and worker requests (core NATS request/reply in a
 * queue group, answered with `{v, ok, data|error}`), and JetStream durable pull
 * consumers. Each message is decoded and validated once here; handler outcomes
 * map to reply / ack / nak(delay) / term / working() in this one place.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private nc?: NatsConnection;
  private readonly subs: Subscription[] = [];
  private readonly consumers: ConsumerMessages[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;
  protected override readonly logger = new Logger('JetStreamServer');

  constructor(private readonly options: JetStreamServerOptions) {
    super();
  }

  /** Connects, binds every registered handler, then calls back. */
  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.nc = await connectNats({ ...this.options.connection, name: `${this.options.connection.name}:server` });
      for (const [pattern, handler] of this.getHandlers()) {
        await this.bind(pattern, handler);
      }
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /** Stops taking messages, waits for in-flight handlers (bounded), then drains the connection. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.subs) s.unsubscribe();
    for (const c of this.consumers) await c.close().catch(() => undefined);
    const deadline = new Promise((r) => setTimeout(r, this.options.drainTimeoutMs ?? 10_000).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }

  on(): void {
    throw new Error('JetStreamServer does not emit events');
  }

  unwrap<T>(): T {
    if (!this.nc) throw new Error('JetStreamServer is not connected');
    return this.nc as T;
  }

  private async bind(pattern: string, handler: MessageHandler): Promise<void> {
    const [kind, a, b] = pattern.split(':');
    const nc = this.nc!;
    const names = this.options.names;
    if (kind === 'cmd' || kind === 'worker') {
      const subject = kind === 'cmd' ? names.cmd(a as ServiceName, b) : names.workerAll(a as never);
      const queue = kind === 'cmd' ? a : 'lease-broker';
      const sub = nc.subscribe(subject, {
        queue,
        callback: (err, msg) => {
          if (err) {
            this.logger.error(`subscription ${subject} failed: ${err.message}`);
            return;
          }
          this.track(this.handleRequest(msg, handler));
        },
      });
      this.subs.push(sub);
      return;
    }
    if (kind === 'consumer') {
      const binding = this.options.consumers?.[a];
      if (!binding) throw new Error(`no consumer binding "${a}" for pattern ${pattern}`);
      await this.bindConsumer(binding, handler);
      return;
    }
    throw new Error(`unknown route pattern "${pattern}" (use Route.command / Route.worker / Route.consumer)`);
  }

  private async bindConsumer(binding: ConsumerBinding, handler: MessageHandler): Promise<void> {
    const nc = this.nc!;
    const jsm = await jetstreamManager(nc);
    const config = {
      durable_name: binding.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: binding.filterSubject,
      ack_wait: nanos(binding.ackWaitMs ?? 30_000),
      max_deliver: binding.maxDeliver ?? -1,
      max_ack_pending: Math.max(1_000, (binding.maxInFlight ?? 256) * 4),
      deliver_policy: binding.deliverNew ? DeliverPolicy.New : DeliverPolicy.All,
    };
    await ensureDurableConsumer(jsm, binding.stream, config);
    const consumer = await jetstream(nc).consumers.get(binding.stream, binding.durable);
    const messages = await consumer.consume({ max_messages: binding.maxInFlight ?? 256 });
    this.consumers.push(messages);
    void (async () => {
      for await (const m of messages) {
        if (this.closing) {
          m.nak();
          continue;
        }
        this.track(this.handleJetStream(m, handler, binding.ackWaitMs ?? 30_000));
      }
    })().catch((err) => this.logger.error(`consumer ${binding.durable} stopped: ${(err as Error).message}`));
  }

  /**
   * Terminates a message (no redelivery). Servers before 2.10 ignore a `+TERM`
   * that carries a reason (the message stays pending and is redelivered), so
   * there the reason is only logged.
   */
  private terminate(m: JsMsg, reason: string): void {
    if (serverSupportsTermReason(this.nc?.info?.version)) m.term(reason);
    else m.term();
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private decode(raw: Uint8Array, handler: MessageHandler): Envelope<unknown> {
    const env = decodeEnvelope(raw);
    const cls = (handler.extras as HandlerExtras | undefined)?.data;
    if (cls) env.data = validatePlain(cls, env.data, `${env.type}.data`);
    return env;
  }

  private async invoke(handler: MessageHandler, incoming: Incoming<unknown>): Promise<unknown> {
    const ctx = new OrchRpcContext([incoming.subject, incoming.headers]);
    const result = await handler(incoming, ctx);
    return lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private async handleRequest(msg: Msg, handler: MessageHandler): Promise<void> {
    const getter = (k: string) => msg.headers?.get(k) || undefined;
    await withExtractedTraceContext(getter, async () => {
      let env: Envelope<unknown>;
      try {
        env = this.decode(msg.data, handler);
      } catch (err) {
        msg.respond(errorReply(toErrorBody(err, currentTraceId())));
        return;
      }
      await runWithContext({ correlationId: env.correlationId, tenant: env.tenant, project: env.project }, async () => {
        try {
          const data = await this.invoke(handler, { envelope: env, data: env.data, subject: msg.subject, headers: msg.headers, deliveryCount: 1 });
          msg.respond(okReply(data ?? null));
        } catch (err) {
          if (!(err instanceof OrchError) || err.status >= 500) {
            this.logger.error(`handler for ${msg.subject} failed: ${(err as Error)?.stack ?? String(err)}`);
          }
          msg.respond(errorReply(toErrorBody(err, currentTraceId())));
        }
      });
    });
  }

  private async handleJetStream(m: JsMsg, handler: MessageHandler, ackWaitMs: number): Promise<void> {
    const getter = (k: string) => m.headers?.get(k) || undefined;
    await withExtractedTraceContext(getter, async () => {
      let env: Envelope<unknown>;
      try {
        env = this.decode(m.data, handler);
      } catch (err) {
        // Undecodable: redelivery cannot help.
        this.logger.warn(`terminating undecodable message on ${m.subject}: ${(err as Error).message}`);
        this.terminate(m, `decode_failed: ${(err as Error).message}`.slice(0, 256));
        return;
      }
      const working = setInterval(() => m.working(), Math.min(WORKING_INTERVAL_MS, Math.floor(ackWaitMs / 3)));
      let error: unknown;
      try {
        await runWithContext({ correlationId: env.correlationId, tenant: env.tenant, project: env.project }, () =>
          this.invoke(handler, { envelope: env, data: env.data, subject: m.subject, headers: m.headers, deliveryCount: m.info.deliveryCount }),
        );
      } catch (err) {
        error = err ?? new Error('handler threw undefined');
      } finally {
        clearInterval(working);
      }
      const outcome = outcomeFor(error, m.info.deliveryCount);
      switch (outcome.kind) {
        case 'ack':
          m.ack();
          break;
        case 'nak':
          this.logger.warn(`redelivering ${m.subject} in ${outcome.delayMs} ms: ${(error as Error)?.message}`);
          m.nak(outcome.delayMs);
          break;
        case 'term':
          this.logger.warn(`terminating ${m.subject}: ${outcome.reason}`);
          this.terminate(m, outcome.reason);
          break;
      }
    });
  }
}

/** `+TERM <reason>` is understood from NATS server 2.10 on. */
export function serverSupportsTermReason(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 10);
}
