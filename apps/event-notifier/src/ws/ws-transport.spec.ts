import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { NotifyItem } from '../streams/notify-messages';
import { WsTransport } from './ws-transport';

/** The parts of a ws WebSocket the transport uses. */
class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  pings = 0;
  closedWith?: [number, string];
  terminated = false;

  send(data: string): void {
    this.sent.push(data);
  }
  ping(): void {
    this.pings += 1;
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close', 1006, Buffer.alloc(0));
  }
}

const logger = new Logger('test');
logger.warn = () => undefined;
logger.debug = () => undefined;
const item = (seq: number): NotifyItem => ({ seq, eventType: 'job.queued', envelope: { data: { eventId: `e${seq}` } } as NotifyItem['envelope'] });

function setup(maxBufferBytes = 1_000) {
  const ws = new FakeWs();
  return { ws, transport: new WsTransport(ws as unknown as WebSocket, maxBufferBytes, logger, 'test') };
}

describe('WsTransport', () => {
  it('sends {seq, event} and asks to close as slow_client once more than the limit is buffered', () => {
    const { ws, transport } = setup();
    expect(transport.send(item(3))).toBeUndefined();
    expect(JSON.parse(ws.sent[0])).toEqual({ seq: 3, event: { eventId: 'e3' } });
    ws.bufferedAmount = 1_001;
    expect(transport.send(item(4))).toBe('slow_client');
  });

  it('pings on keep-alive and reports unresponsive when the previous ping got no pong', () => {
    const { ws, transport } = setup();
    expect(transport.keepAlive()).toBeUndefined();
    ws.emit('pong');
    expect(transport.keepAlive()).toBeUndefined();
    expect(transport.keepAlive()).toBe('unresponsive');
    expect(ws.pings).toBe(2);
  });

  it.each([
    ['slow_client', 1008, 'client_too_slow'],
    ['token_expired', 1008, 'token_expired'],
    ['shutdown', 1001, 'server_shutdown'],
    ['source_ended', 1011, 'stream_unavailable'],
  ] as const)('closes for %s with %i %s, then terminates a client that never completes the close', (reason, code, text) => {
    jest.useFakeTimers();
    try {
      const { ws, transport } = setup();
      transport.finish(reason);
      expect(ws.closedWith).toEqual([code, text]);
      expect(ws.terminated).toBe(false);
      jest.advanceTimersByTime(10_000);
      expect(ws.terminated).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('terminates an unresponsive client at once and leaves a client that closed alone', async () => {
    const gone = setup();
    gone.transport.finish('unresponsive');
    expect(gone.ws.terminated).toBe(true);
    await gone.transport.gone;
    expect(gone.transport.isGone).toBe(true);

    const left = setup();
    left.transport.finish('client_closed');
    expect([left.ws.closedWith, left.ws.terminated]).toEqual([undefined, false]);
  });
});
