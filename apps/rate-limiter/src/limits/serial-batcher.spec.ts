import { SerialBatcher } from './serial-batcher';

/** A run that can be held open, recording the batches it was given. */
function gatedRun() {
  const batches: number[][] = [];
  let open: () => void = () => undefined;
  let gate = new Promise<void>((r) => (open = r));
  const run = async (items: number[]) => {
    batches.push(items);
    await gate;
    return items.map((i) => i * 10);
  };
  return {
    batches,
    run,
    release: () => {
      open();
      gate = new Promise<void>((r) => (open = r));
    },
  };
}

describe('SerialBatcher (group commit of slot releases)', () => {
  it('runs the first item at once, then takes everything queued meanwhile in one run', async () => {
    const g = gatedRun();
    const b = new SerialBatcher(g.run, 100);
    const first = b.add(1);
    const rest = [2, 3, 4, 5].map((i) => b.add(i));
    expect(g.batches).toEqual([[1]]);
    expect(b.pending).toBe(4);
    g.release();
    expect(await first).toBe(10);
    await new Promise((r) => setImmediate(r));
    expect(g.batches).toEqual([[1], [2, 3, 4, 5]]);
    g.release();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
  });

  it('never takes more than maxBatch items in one run, and keeps their order', async () => {
    const seen: number[][] = [];
    const b = new SerialBatcher(async (items: number[]) => (seen.push(items), items), 2);
    const all = await Promise.all([1, 2, 3, 4, 5].map((i) => b.add(i)));
    expect(all).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((s) => s.length <= 2)).toBe(true);
    expect(seen.flat()).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects every item of a failed run, and goes on with the next batch', async () => {
    let calls = 0;
    const b = new SerialBatcher(async (items: number[]) => {
      calls++;
      if (items.includes(2)) throw new Error('deadlock victim');
      return items;
    }, 1);
    const results = await Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('deadlock victim'));
    expect(calls).toBe(3);
  });

  it('rejects a run that answers the wrong number of items instead of mismatching them', async () => {
    const c = new SerialBatcher(async (items: number[]) => items.slice(1), 10);
    await expect(c.add(7)).rejects.toThrow('batch run answered 0 items for 1');
  });

  it('refuses a maxBatch below 1', () => {
    expect(() => new SerialBatcher(async (x: number[]) => x, 0)).toThrow(RangeError);
  });
});
