/** A dependency the service needs before it can take traffic (NATS, PostgreSQL, …). */
export interface ReadinessCheck {
  /** Key in the /readyz body; unique per app, `shutdown` is reserved. */
  name: string;
  /** Resolves when ready; throws (or rejects) with the reason when not. */
  check(): Promise<void>;
}

/** How long one readiness check may take before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** Name of the indicator that reports a shutdown in progress. */
export const SHUTDOWN_INDICATOR = 'shutdown';

/** Runs `check`, rejecting if it throws, rejects or has not settled after `timeoutMs`. */
export async function runReadinessCheck(check: ReadinessCheck, timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // `then` turns a synchronous throw into a rejection.
    await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws when two checks share a name or one uses the reserved name. */
export function assertValidChecks(checks: readonly ReadinessCheck[]): void {
  const seen = new Set<string>();
  for (const { name } of checks) {
    if (name === SHUTDOWN_INDICATOR) throw new Error(`readiness check name "${name}" is reserved`);
    if (seen.has(name)) throw new Error(`readiness check name "${name}" is used twice`);
    seen.add(name);
  }
}
