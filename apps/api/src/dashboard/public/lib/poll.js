// @ts-check

/**
 * Runs `fn` now and then `ms` after each run ends (never two at once) until the returned stop
 * function is called or `fn` resolves to `false`.
 * @param {number} ms
 * @param {() => Promise<boolean | void>} fn
 * @returns {() => void} stop
 */
export function every(ms, fn) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const run = async () => {
    if (stopped) return;
    let again = true;
    try {
      again = (await fn()) !== false;
    } catch {
      // fn shows its own errors; keep polling so a passing outage heals by itself.
    }
    if (!stopped && again) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
