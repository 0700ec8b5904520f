import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields that every log line written inside a request or job carries. */
export interface LogContext {
  correlationId?: string;
  tenant?: string;
  project?: string;
  jobId?: string;
  jobType?: string;
}

const storage = new AsyncLocalStorage<Readonly<LogContext>>();
const EMPTY: Readonly<LogContext> = Object.freeze({});

/**
 * Runs `fn` with `ctx` merged over the current context (inner fields win,
 * `undefined` fields keep the outer value). The outer context is unchanged
 * once `fn` returns, or once its promise settles for async work started inside.
 */
export function runWithContext<T>(ctx: LogContext, fn: () => T): T {
  const merged: LogContext = { ...currentContext() };
  for (const [key, value] of Object.entries(ctx) as [keyof LogContext, string | undefined][]) {
    if (value !== undefined) merged[key] = value;
  }
  return storage.run(Object.freeze(merged), fn);
}

/** The context of the current async execution; an empty object outside any {@link runWithContext}. */
export function currentContext(): LogContext {
  return storage.getStore() ?? EMPTY;
}
