import { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OrchError, OrchNames } from '@orch/contracts';
import { ORCH_NAMES } from '@orch/messaging';
import type { Request, Response } from 'express';
import { WebSocket, WebSocketServer } from 'ws';
import { EventNotifierConfig } from '../config';
import type { StreamRequest } from '../sse/stream-request';
import { LiveStreams } from '../streams/live-streams.service';
import { notifyDecoder } from '../streams/notify-messages';
import { WsTransport } from './ws-transport';

/** Largest message a client may send (clients have nothing to say; ws closes with 1009 beyond this). */
export const WS_MAX_CLIENT_MESSAGE_BYTES = 4_096;

/** An upgrade request waiting for its route to accept it. */
interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * WebSocket streams of notifier events (`/api/v1/events/ws`).
 *
 * An upgrade request is first run through the HTTP application like any
 * request (on a response bound to the raw socket), so the auth guard, the
 * filters and the problem+json errors are exactly those of the SSE route: a
 * missing or bad token is a 401, a missing scope a 403, a bad parameter a 400,
 * all answered before any upgrade. Only when the route accepts does the socket
 * leave HTTP and become a WebSocket fed by an ordered consumer
 * ({@link LiveStreams}).
 */
@Injectable()
export class WsStreamService implements OnApplicationBootstrap {
  private readonly logger = new Logger('WsStreamService');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  private readonly pending = new WeakMap<IncomingMessage, PendingUpgrade>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: EventNotifierConfig,
    private readonly streams: LiveStreams,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    const server = adapter.getHttpServer() as Server;
    const app = adapter.getInstance<RequestListener>();
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.dispatch(app, req, socket, head));
  }

  /**
   * Accepts the upgrade of a request the guard let through: resolves the start
   * sequence (errors are still HTTP answers), upgrades, then streams.
   *
   * @throws OrchError `validation_failed` when the request is not a WebSocket
   *   upgrade; `unavailable` when shutting down or NATS cannot say where to start.
   */
  async accept(req: Request, res: Response, request: StreamRequest): Promise<void> {
    const upgrade = this.pending.get(req);
    this.pending.delete(req);
    if (!upgrade || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      throw new OrchError('validation', 'this is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)', { retryable: false });
    }
    const resume = 'with ?since=<last seq>';
    this.streams.refuseWhileStopping(resume);
    const stream = this.names.streams.notify;
    // Resolved before the upgrade, so `new` starts exactly here even though the consumer is created after it.
    const startSeq = await this.streams.firstSequence(stream, request.start);
    if (upgrade.socket.destroyed) return;
    res.detachSocket(upgrade.socket as Socket);
    const ws = await this.upgrade(req, upgrade);
    if (!ws) return;
    const label = `WebSocket events of tenant ${request.tenant}`;
    const transport = new WsTransport(ws, this.config.WS_MAX_BUFFER_BYTES, this.logger, label);
    try {
      await this.streams.run(
        {
          label,
          stream,
          filterSubject: this.names.notifyTenant(request.tenant),
          startSeq,
          decode: notifyDecoder(request.tenant, request.filter, this.logger),
          transport,
          keepAliveMs: this.config.WS_PING_INTERVAL_MS,
          ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
        },
        resume,
      );
    } catch (err) {
      // Past the upgrade an error can no longer be an HTTP answer: the close code says it.
      this.logger.warn(`${label} could not start: ${(err as Error).message}`);
      transport.finish(this.streams.isStopping ? 'shutdown' : 'source_ended');
    }
  }

  /** Runs an upgrade request through the HTTP application; the route decides whether to accept it. */
  private dispatch(app: RequestListener, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client resetting the connection before the handshake completes must not crash the process.
    socket.on('error', (err) => this.logger.debug(`upgrade socket error: ${err.message}`));
    this.pending.set(req, { socket, head });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    // An HTTP answer (401, 403, 400, 503, 404 for another path) ends the connection.
    res.once('finish', () => (socket as Socket).destroySoon());
    app(req, res);
  }

  private upgrade(req: IncomingMessage, upgrade: PendingUpgrade): Promise<WebSocket | undefined> {
    return new Promise((resolve) => {
      // A malformed handshake is answered 400 by ws and the socket closed; the callback never runs.
      upgrade.socket.once('close', () => resolve(undefined));
      this.wss.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => resolve(ws));
    });
  }
}
