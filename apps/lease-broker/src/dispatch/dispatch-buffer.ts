import { createHash } from 'node:crypto';

/** Buffer key of a (tenant, job type): one JetStream consumer feeds each key. */
export function dispatchKey(tenant: string, jobType: string): string {
  return `${tenant}/${jobType}`;
}

/**
 * Durable consumer name of a (tenant, job type), shared by every lease-broker
 * replica. Job types may contain dots, which consumer names may not, so the job
 * type is represented by the first 16 hex digits of its SHA-256.
 */
export function dispatchDurableName(tenant: string, jobType: string): string {
  return `lb_${tenant}_${createHash('sha256').update(jobType).digest('hex').slice(0, 16)}`;
}

interface Waiter<T> {
  keys: readonly string[];
  max: number;
  resolve: (items: T[]) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * In-memory dispatch buffer: FIFO queues of items per key, and claims waiting
 * for items (long-poll) without polling. An item pushed twice under the same id
 * (a redelivery of a message still buffered) replaces the older copy in place.
 * Pure: no I/O; the JetStream side lives in `DispatchFeeds`.
 */
export class DispatchBuffer<T> {
  private readonly queues = new Map<string, Map<string, T>>();
  private waiters: Waiter<T>[] = [];
  private wakeScheduled = false;
  private closed = false;

  /** Adds an item; waiting claims for its key are served on the next turn (so a burst is handed out together). */
  push(key: string, id: string, item: T): void {
    let q = this.queues.get(key);
    if (!q) {
      q = new Map();
      this.queues.set(key, q);
    }
    q.set(id, item);
    if (this.waiters.length > 0 && !this.wakeScheduled) {
      this.wakeScheduled = true;
      setImmediate(() => this.wake());
    }
  }

  /** Takes up to `max` items round-robin over `keys` (one from each key in turn). */
  take(keys: readonly string[], max: number): T[] {
    const out: T[] = [];
    let progress = true;
    while (out.length < max && progress) {
      progress = false;
      for (const key of keys) {
        if (out.length >= max) break;
        const q = this.queues.get(key);
        const first = q?.entries().next();
        if (!q || !first || first.done) continue;
        q.delete(first.value[0]);
        if (q.size === 0) this.queues.delete(key);
        out.push(first.value[1]);
        progress = true;
      }
    }
    return out;
  }

  /**
   * Takes what is there; when nothing is and `waitMs` > 0, waits until items
   * for one of `keys` arrive (then takes up to `max` of them) or the wait ends
   * (then resolves empty). After {@link close} it never waits.
   */
  wait(keys: readonly string[], max: number, waitMs: number): Promise<T[]> {
    const now = this.take(keys, max);
    if (now.length > 0 || waitMs <= 0 || this.closed) return Promise.resolve(now);
    return new Promise<T[]>((resolve) => {
      const waiter: Waiter<T> = { keys, max, resolve, timer: null };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve([]);
      }, waitMs);
      this.waiters.push(waiter);
    });
  }

  /** Removes and returns every item of `key` (to give them back to JetStream). */
  drain(key: string): T[] {
    const q = this.queues.get(key);
    this.queues.delete(key);
    return q ? [...q.values()] : [];
  }

  /** Removes and returns every item. */
  drainAll(): T[] {
    return [...this.queues.keys()].flatMap((k) => this.drain(k));
  }

  /** Items buffered under `key`, or under all keys. */
  size(key?: string): number {
    if (key !== undefined) return this.queues.get(key)?.size ?? 0;
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Visits every buffered item (e.g. to keep its JetStream delivery alive). */
  forEach(fn: (item: T, key: string) => void): void {
    for (const [key, q] of this.queues) for (const item of q.values()) fn(item, key);
  }

  /** Whether a claim is waiting on `key`. */
  hasWaiters(key: string): boolean {
    return this.waiters.some((w) => w.keys.includes(key));
  }

  /** Number of waiting claims. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Answers every waiting claim now (empty unless items are there) and stops waiting from now on. */
  close(): void {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(this.take(w.keys, w.max));
    }
  }

  /** Serves waiting claims, oldest first, from what arrived. */
  private wake(): void {
    this.wakeScheduled = false;
    const still: Waiter<T>[] = [];
    for (const w of this.waiters) {
      const items = this.take(w.keys, w.max);
      if (items.length === 0) {
        still.push(w);
        continue;
      }
      if (w.timer) clearTimeout(w.timer);
      w.resolve(items);
    }
    this.waiters = still;
  }
}
