import type { ExpiredLease } from '@orch/persistence';
import { LeaseReaper } from './lease-reaper';

const lease = (i: number): ExpiredLease => ({
  id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  tenant: 't',
  project: 'p',
  correlationId: `c${i}`,
  fencingToken: i,
});

function quietLogger() {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
}

describe('LeaseReaper', () => {
  it('expires every lease it finds, asking for at most one batch', async () => {
    const asked: number[] = [];
    const expired: string[] = [];
    const reaper = new LeaseReaper(
      async (_now, limit) => {
        asked.push(limit);
        return [lease(1), lease(2), lease(3)];
      },
      async (l) => void expired.push(l.id),
      { intervalMs: 1000, batch: 50, concurrency: 2 },
      quietLogger(),
    );
    await expect(reaper.reapOnce()).resolves.toEqual({ found: 3, expired: 3, failed: 0 });
    expect(asked).toEqual([50]);
    expect(expired.sort()).toEqual([lease(1).id, lease(2).id, lease(3).id]);
  });

  it('keeps at most `concurrency` expire commands in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const reaper = new LeaseReaper(
      async () => Array.from({ length: 20 }, (_, i) => lease(i + 1)),
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
      },
      { intervalMs: 1000, batch: 100, concurrency: 4 },
      quietLogger(),
    );
    await reaper.reapOnce();
    expect(peak).toBe(4);
  });

  it('counts and logs failed expires without throwing, once per kind of problem', async () => {
    const log = quietLogger();
    const reaper = new LeaseReaper(
      async () => [lease(1), lease(2)],
      async (l) => {
        if (l.fencingToken === 2) throw new Error('no service answers');
      },
      { intervalMs: 1000, batch: 100, concurrency: 1 },
      log,
    );
    await expect(reaper.reapOnce()).resolves.toEqual({ found: 2, expired: 1, failed: 1 });
    await reaper.reapOnce();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/1 of 2 expire commands failed/);
  });

  it('survives a ledger read failure', async () => {
    const log = quietLogger();
    const reaper = new LeaseReaper(
      async () => {
        throw new Error('relation "ledger.jobs" does not exist');
      },
      async () => undefined,
      { intervalMs: 1000, batch: 100, concurrency: 1 },
      log,
    );
    await expect(reaper.reapOnce()).resolves.toEqual({ found: 0, expired: 0, failed: 0 });
    expect(log.lines[0]).toMatch(/cannot read expired leases/);
  });

  it('runs passes on its interval once started and none after stop', async () => {
    jest.useFakeTimers();
    try {
      let passes = 0;
      const reaper = new LeaseReaper(
        async () => {
          passes++;
          return [];
        },
        async () => undefined,
        { intervalMs: 100, batch: 10, concurrency: 1 },
        quietLogger(),
      );
      reaper.start();
      await jest.advanceTimersByTimeAsync(99);
      expect(passes).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(passes).toBe(1);
      await jest.advanceTimersByTimeAsync(100);
      expect(passes).toBe(2);
      await reaper.stop();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(passes).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('goes again at once after a full batch, since more leases are probably waiting', async () => {
    jest.useFakeTimers();
    try {
      const batches = [[lease(1), lease(2)], [lease(3)], []];
      let passes = 0;
      const reaper = new LeaseReaper(
        async () => batches[passes++] ?? [],
        async () => undefined,
        { intervalMs: 1_000, batch: 2, concurrency: 2 },
        quietLogger(),
      );
      reaper.start();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(passes).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(passes).toBe(2);
      // The second batch was not full: back to the interval.
      await jest.advanceTimersByTimeAsync(900);
      expect(passes).toBe(2);
      await jest.advanceTimersByTimeAsync(200);
      expect(passes).toBe(3);
      await reaper.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
