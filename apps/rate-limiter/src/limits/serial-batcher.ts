/**
 * Group commit for one kind of work: {@link add} queues an item; one `run` at a time takes every
 * item queued while the previous run was busy (up to `maxBatch`), so N concurrent callers cost
 * about N / batch runs instead of N runs queueing on the same locks. The first item after a quiet
 * period runs at once (no timer, no added latency). Each caller's promise settles when its
 * batch's run does: with that run's answer for the item, or with its error (every item of a
 * failed batch gets the error; none is silently dropped).
 */
export class SerialBatcher<T, R> {
  private readonly queue: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private draining = false;

  /**
   * @param run does the work for a batch and returns one answer per item, in order.
   * @param maxBatch most items per run.
   */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  }

  /** Queues `item`; settles after the run that took it. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Items waiting for a run. */
  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const answers = await this.run(batch.map((b) => b.item));
          if (answers.length !== batch.length) throw new Error(`batch run answered ${answers.length} items for ${batch.length}`);
          batch.forEach((b, i) => b.resolve(answers[i]));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
