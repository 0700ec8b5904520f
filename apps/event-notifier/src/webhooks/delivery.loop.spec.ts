import type { ClaimedDelivery, DeliveryNext } from '@orch/persistence';
import { DeliveryStore, WebhookDeliveryLoop } from './delivery.loop';
import type { AttemptOutcome } from './webhook-sender';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function delivery(n: number, roundAttempt = 1): ClaimedDelivery {
  return {
    id: `d-${n}`,
    webhookId: 'w-1',
    tenant: 'acme',
    eventId: `e-${n}`,
    eventType: 'job.queued',
    body: '{}',
    attempt: roundAttempt,
    roundAttempt,
    url: 'http://127.0.0.1:1/',
    secret: 'whsec_x',
  };
}

const outcome = (delivered: boolean): AttemptOutcome => ({
  delivered,
  startedAt: new Date(),
  durationMs: 1,
  statusCode: delivered ? 200 : 500,
  error: delivered ? null : 'HTTP 500',
  responseExcerpt: null,
});

/** An in-memory queue of due deliveries. */
class MemoryStore implements DeliveryStore {
  readonly due: ClaimedDelivery[] = [];
  readonly records: { id: string; next: DeliveryNext }[] = [];
  readonly abandoned: string[] = [];
  readonly claims: number[] = [];

  async claim(limit: number): Promise<ClaimedDelivery[]> {
    this.claims.push(limit);
    return this.due.splice(0, limit);
  }

  async record(d: ClaimedDelivery, _o: AttemptOutcome, next: DeliveryNext): Promise<boolean> {
    this.records.push({ id: d.id, next });
    return true;
  }

  async abandon(d: ClaimedDelivery): Promise<boolean> {
    this.abandoned.push(d.id);
    return true;
  }
}

/** A sender whose attempts finish when the test says so. */
class GatedSender {
  running = 0;
  maxRunning = 0;
  private readonly gates: (() => void)[] = [];

  readonly send = async (d: ClaimedDelivery): Promise<AttemptOutcome> => {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    this.running -= 1;
    return outcome(!d.id.endsWith('-fail'));
  };

  release(n = Infinity): void {
    for (const gate of this.gates.splice(0, n)) gate();
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error('condition not reached');
}

const policy = { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 1_000, jitter: 0.5 } };

describe('WebhookDeliveryLoop', () => {
  it('never runs more attempts than its concurrency, and claims only free slots', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 7; i++) store.due.push(delivery(i));
    const sender = new GatedSender();
    const loop = new WebhookDeliveryLoop(store, sender.send, { concurrency: 3, timeoutMs: 1_000, pollMs: 10, policy }, silent);
    loop.start();
    await until(() => sender.running === 3);
    expect(store.claims[0]).toBe(3);
    sender.release(1);
    await until(() => store.records.length === 1 && sender.running === 3);
    await until(() => {
      sender.release();
      return store.records.length === 7;
    });
    await loop.stop();
    expect(sender.maxRunning).toBe(3);
    expect(Math.max(...store.claims)).toBeLessThanOrEqual(3);
    expect(store.records.map((r) => r.next.status)).toEqual(Array(7).fill('succeeded'));
  });

  it('records a failed attempt with a backoff, and the last attempt of the round as dead', async () => {
    const store = new MemoryStore();
    store.due.push({ ...delivery(1, 1), id: 'd-1-fail' }, { ...delivery(2, 3), id: 'd-2-fail' });
    const sender = new GatedSender();
    const loop = new WebhookDeliveryLoop(store, sender.send, { concurrency: 4, timeoutMs: 1_000, pollMs: 10, policy }, silent);
    loop.start();
    await until(() => sender.running === 2);
    sender.release();
    await until(() => store.records.length === 2);
    await loop.stop();
    const byId = new Map(store.records.map((r) => [r.id, r.next]));
    expect(byId.get('d-1-fail')).toEqual({ status: 'failed', delayMs: expect.any(Number) });
    expect((byId.get('d-1-fail') as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(50);
    expect(byId.get('d-2-fail')).toEqual({ status: 'dead' });
  });

  it('abandons without sending a claim beyond the attempts of its round (earlier attempts were interrupted)', async () => {
    const store = new MemoryStore();
    store.due.push(delivery(1, 4));
    const sender = new GatedSender();
    const loop = new WebhookDeliveryLoop(store, sender.send, { concurrency: 2, timeoutMs: 1_000, pollMs: 10, policy }, silent);
    loop.start();
    await until(() => store.abandoned.length === 1);
    await loop.stop();
    expect(store.abandoned).toEqual(['d-1']);
    expect(sender.maxRunning).toBe(0);
  });

  it('stops claiming at stop, and waits for the attempts in flight', async () => {
    const store = new MemoryStore();
    store.due.push(delivery(1));
    const sender = new GatedSender();
    const loop = new WebhookDeliveryLoop(store, sender.send, { concurrency: 2, timeoutMs: 1_000, pollMs: 10, policy }, silent);
    loop.start();
    await until(() => sender.running === 1);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    store.due.push(delivery(2));
    // The attempt is still gated: stop cannot have finished, and nothing new was claimed.
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    sender.release();
    await stopping;
    expect(store.records.map((r) => r.id)).toEqual(['d-1']);
    expect(store.due.map((d) => d.id)).toEqual(['d-2']);
  });

  it('claims at once when woken instead of waiting for the poll', async () => {
    const store = new MemoryStore();
    const sender = new GatedSender();
    const loop = new WebhookDeliveryLoop(store, sender.send, { concurrency: 2, timeoutMs: 1_000, pollMs: 60_000, policy }, silent);
    loop.start();
    await until(() => store.claims.length === 1);
    store.due.push(delivery(1));
    loop.wake();
    await until(() => sender.running === 1);
    sender.release();
    await loop.stop();
    expect(store.records).toHaveLength(1);
  });
});
