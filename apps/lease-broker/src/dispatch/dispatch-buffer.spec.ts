import { DispatchBuffer, dispatchDurableName, dispatchKey } from './dispatch-buffer';

describe('DispatchBuffer', () => {
  it('takes round-robin over the asked keys, oldest first within a key, up to max', () => {
    const b = new DispatchBuffer<string>();
    for (const id of ['a1', 'a2', 'a3']) b.push('a', id, id);
    for (const id of ['b1', 'b2']) b.push('b', id, id);
    expect(b.take(['a', 'b'], 4)).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(b.take(['a', 'b'], 4)).toEqual(['a3']);
    expect(b.size()).toBe(0);
  });

  it('leaves other keys alone', () => {
    const b = new DispatchBuffer<string>();
    b.push('a', '1', 'a1');
    b.push('c', '1', 'c1');
    expect(b.take(['a', 'b'], 10)).toEqual(['a1']);
    expect(b.size('c')).toBe(1);
  });

  it('replaces a redelivered item in place instead of buffering it twice', () => {
    const b = new DispatchBuffer<string>();
    b.push('a', '7', 'first delivery');
    b.push('a', '8', 'other');
    b.push('a', '7', 'redelivery');
    expect(b.take(['a'], 10)).toEqual(['redelivery', 'other']);
  });

  it('answers a waiting claim as soon as an item for one of its keys arrives', async () => {
    const b = new DispatchBuffer<string>();
    const waiting = b.wait(['a', 'b'], 5, 10_000);
    expect(b.waiting).toBe(1);
    expect(b.hasWaiters('b')).toBe(true);
    b.push('c', '1', 'not mine');
    b.push('b', '1', 'b1');
    b.push('b', '2', 'b2');
    await expect(waiting).resolves.toEqual(['b1', 'b2']);
    expect(b.waiting).toBe(0);
    expect(b.size('c')).toBe(1);
  });

  it('serves waiting claims oldest first and keeps the rest waiting', async () => {
    const b = new DispatchBuffer<string>();
    const first = b.wait(['a'], 1, 10_000);
    const second = b.wait(['a'], 1, 10_000);
    b.push('a', '1', 'a1');
    await expect(first).resolves.toEqual(['a1']);
    expect(b.waiting).toBe(1);
    b.push('a', '2', 'a2');
    await expect(second).resolves.toEqual(['a2']);
  });

  it('returns what is there at once without waiting', async () => {
    const b = new DispatchBuffer<string>();
    b.push('a', '1', 'a1');
    await expect(b.wait(['a'], 3, 10_000)).resolves.toEqual(['a1']);
    expect(b.waiting).toBe(0);
  });

  it('resolves empty when the wait ends with nothing buffered', async () => {
    jest.useFakeTimers();
    try {
      const b = new DispatchBuffer<string>();
      const waiting = b.wait(['a'], 1, 500);
      jest.advanceTimersByTime(499);
      expect(b.waiting).toBe(1);
      jest.advanceTimersByTime(1);
      await expect(waiting).resolves.toEqual([]);
      expect(b.waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not wait when asked for no wait', async () => {
    const b = new DispatchBuffer<string>();
    await expect(b.wait(['a'], 1, 0)).resolves.toEqual([]);
    expect(b.waiting).toBe(0);
  });

  it('answers every waiting claim at close and never waits afterwards', async () => {
    const b = new DispatchBuffer<string>();
    const waiting = b.wait(['a'], 1, 60_000);
    b.close();
    await expect(waiting).resolves.toEqual([]);
    await expect(b.wait(['a'], 1, 60_000)).resolves.toEqual([]);
  });

  it('drains a key, or everything, to give items back', () => {
    const b = new DispatchBuffer<string>();
    b.push('a', '1', 'a1');
    b.push('b', '1', 'b1');
    b.push('b', '2', 'b2');
    expect(b.drain('b')).toEqual(['b1', 'b2']);
    expect(b.drain('b')).toEqual([]);
    expect(b.drainAll()).toEqual(['a1']);
    expect(b.size()).toBe(0);
  });

  it('visits every buffered item with its key', () => {
    const b = new DispatchBuffer<string>();
    b.push('a', '1', 'a1');
    b.push('b', '1', 'b1');
    const seen: string[] = [];
    b.forEach((item, key) => seen.push(`${key}:${item}`));
    expect(seen.sort()).toEqual(['a:a1', 'b:b1']);
  });
});

describe('dispatch consumer naming', () => {
  it('gives each (tenant, job type) its own NATS-safe durable name', () => {
    const name = dispatchDurableName('acme', 'demo.echo');
    expect(name).toMatch(/^lb_acme_[0-9a-f]{16}$/);
    expect(name).not.toMatch(/[.*> ]/);
    expect(dispatchDurableName('acme', 'demo.echo')).toBe(name);
    expect(dispatchDurableName('acme', 'demo.fail')).not.toBe(name);
    expect(dispatchDurableName('other', 'demo.echo')).not.toBe(name);
  });

  it('keys the buffer by tenant and job type', () => {
    expect(dispatchKey('acme', 'demo.echo')).not.toBe(dispatchKey('acme', 'demo.fail'));
    expect(dispatchKey('a', 'b.c')).not.toBe(dispatchKey('a.b', 'c'));
  });
});
