import { Logger } from '@nestjs/common';
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { LiveStream, StreamCloseReason, StreamTransport } from './live-stream';

/** Messages pushed by the test, consumed by the stream's `for await`. */
class FakeMessages implements AsyncIterable<JsMsg> {
  stopped = false;
  private queue: JsMsg[] = [];
  private wake?: () => void;

  push(seq: number, data: string): void {
    this.queue.push({ seq, data: new TextEncoder().encode(data) } as unknown as JsMsg);
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        yield m;
        continue;
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

class FakeTransport implements StreamTransport<string> {
  sent: string[] = [];
  finished: StreamCloseReason[] = [];
  opened = false;
  answer: StreamCloseReason | undefined;
  keepAliveAnswer: StreamCloseReason | undefined;
  isGone = false;
  private leave!: () => void;
  readonly gone = new Promise<void>((resolve) => (this.leave = resolve));

  open(): void {
    this.opened = true;
  }
  send(item: string): StreamCloseReason | undefined {
    this.sent.push(item);
    return this.answer;
  }
  keepAlive(): StreamCloseReason | undefined {
    return this.keepAliveAnswer;
  }
  finish(reason: StreamCloseReason): void {
    this.finished.push(reason);
    this.clientLeaves();
  }
  clientLeaves(): void {
    this.isGone = true;
    this.leave();
  }
}

const logger = new Logger('test');
logger.warn = () => undefined;
logger.debug = () => undefined;

function setup(options: { keepAliveMs?: number; expiresAt?: number; startSeq?: number } = {}) {
  const messages = new FakeMessages();
  const deleted: boolean[] = [];
  const consumer = { consume: async () => messages, delete: async () => deleted.push(true) } as unknown as Consumer;
  const transport = new FakeTransport();
  const stream = new LiveStream<string>(
    {
      label: 'test stream',
      consumer,
      startSeq: options.startSeq ?? 1,
      // Messages with data "skip" are filtered out.
      decode: (m) => {
        const text = new TextDecoder().decode(m.data);
        return text === 'skip' ? undefined : `${m.seq}:${text}`;
      },
      transport,
      keepAliveMs: options.keepAliveMs ?? 60_000,
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    },
    logger,
  );
  return { messages, deleted, transport, stream };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('LiveStream', () => {
  it('opens the transport, sends what the decoder keeps, and tracks the position of every message', async () => {
    const { messages, transport, stream } = setup({ startSeq: 5 });
    expect(stream.position).toBe(4);
    await stream.start();
    expect(transport.opened).toBe(true);
    messages.push(5, 'a');
    messages.push(6, 'skip');
    messages.push(7, 'b');
    await until(() => stream.position === 7);
    expect(transport.sent).toEqual(['5:a', '7:b']);
    expect([stream.delivered, stream.skipped]).toEqual([2, 1]);
    await stream.reached(6);
    await stream.close('shutdown');
  });

  it('closes with the transport\'s reason when a send is over the limit, stopping and deleting the consumer', async () => {
    const { messages, deleted, transport, stream } = setup();
    await stream.start();
    transport.answer = 'slow_client';
    messages.push(1, 'a');
    messages.push(2, 'b');
    await stream.done;
    expect(transport.finished).toEqual(['slow_client']);
    expect(transport.sent).toEqual(['1:a']);
    expect(messages.stopped).toBe(true);
    expect(deleted).toEqual([true]);
  });

  it('closes as client_closed when the client leaves, and only once', async () => {
    const { transport, stream, deleted } = setup();
    await stream.start();
    transport.clientLeaves();
    await stream.done;
    await stream.close('shutdown');
    expect(transport.finished).toEqual(['client_closed']);
    expect(deleted).toEqual([true]);
  });

  it('ends with token_expired when the token expires and with the keep-alive\'s reason when it gives one', async () => {
    const expiring = setup({ expiresAt: Date.now() + 30 });
    await expiring.stream.start();
    await expiring.stream.done;
    expect(expiring.transport.finished).toEqual(['token_expired']);

    const silent = setup({ keepAliveMs: 10 });
    silent.transport.keepAliveAnswer = 'unresponsive';
    await silent.stream.start();
    await silent.stream.done;
    expect(silent.transport.finished).toEqual(['unresponsive']);
  });

  it('says source_ended when the consumer stops by itself', async () => {
    const { messages, transport, stream } = setup();
    await stream.start();
    messages.stop();
    await stream.done;
    expect(transport.finished).toEqual(['source_ended']);
  });

  it('resolves reached() only once the position gets there', async () => {
    const { messages, stream } = setup();
    await stream.start();
    let reached = false;
    void stream.reached(2).then(() => (reached = true));
    messages.push(1, 'a');
    await until(() => stream.position === 1);
    expect(reached).toBe(false);
    messages.push(2, 'skip');
    await until(() => reached);
    await stream.close('shutdown');
  });
});
