/**
 * The pause of a polling loop: `wait(ms)` resolves after `ms`, or at once on
 * `wake()`. A wake that arrives while the loop is busy is remembered, so the
 * next wait returns immediately and no signal is lost.
 */
export class IdleWaiter {
  private waker?: () => void;
  private pending = false;

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waker = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waker = done;
    });
  }

  wake(): void {
    this.pending = true;
    this.waker?.();
  }
}
