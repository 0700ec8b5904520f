import { errors as natsErrors, type PermissionViolationError } from '@nats-io/transport-node';
import { CANCELED_ERROR_CODE, JobError, OrchError } from '@orch/contracts';

/** Longest error code and message the protocol accepts (JobError). */
const CODE_MAX = 128;
const MESSAGE_MAX = 4096;

/** Options of {@link RetryableError} and {@link NonRetryableError}. */
export interface HandlerErrorOptions {
  /** Earliest retry the upstream allows (e.g. its Retry-After), a floor on the server's backoff. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Thrown by a handler: this attempt failed, try again (after backoff) while attempts are left. */
export class RetryableError extends Error {
  readonly retryable = true;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: string,
    message: string,
    options: HandlerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Thrown by a handler: the job cannot succeed (bad input, …); it fails now without further attempts. */
export class NonRetryableError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRetryableError';
  }
}

/** The reason a job's signal aborts when its lease is gone (refused heartbeat or expired locally). */
export class LeaseLostError extends Error {
  readonly code = 'lease_lost';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeaseLostError';
  }
}

/** The reason a job's signal aborts when the worker stops and the grace period has run out. */
export class WorkerStoppingError extends Error {
  readonly code = 'worker_stopping';

  constructor(message = 'the worker is stopping') {
    super(message);
    this.name = 'WorkerStoppingError';
  }
}

/**
 * The reason a job's signal aborts when an operator cancels the job (a cancel
 * notice, or a heartbeat/start/progress reply with `cancelRequested`). A
 * handler that then throws is reported as `fail` with code `canceled`, not
 * retryable (the server ends the job `canceled`); one that returns a result
 * still completes the job.
 */
export class JobCanceledError extends Error {
  readonly code = CANCELED_ERROR_CODE;

  constructor(message = 'the job was canceled by an operator') {
    super(message);
    this.name = 'JobCanceledError';
  }
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * What a handler's throw reports to the server: a {@link RetryableError} or
 * {@link NonRetryableError} as it says; the abort of a stopping worker as
 * retryable `worker_stopping`; a cancel as non-retryable `canceled`; anything
 * else as retryable `handler_error`.
 */
export function jobErrorOf(err: unknown): JobError {
  if (err instanceof RetryableError) {
    return { code: clip(err.code, CODE_MAX), message: clip(err.message, MESSAGE_MAX), retryable: true, ...(err.retryAfterMs !== undefined ? { retryAfterMs: Math.max(0, Math.round(err.retryAfterMs)) } : {}) };
  }
  if (err instanceof NonRetryableError) return { code: clip(err.code, CODE_MAX), message: clip(err.message, MESSAGE_MAX), retryable: false };
  if (err instanceof WorkerStoppingError) return { code: err.code, message: err.message, retryable: true };
  if (err instanceof JobCanceledError) return { code: err.code, message: clip(err.message, MESSAGE_MAX), retryable: false };
  if (err instanceof Error) return { code: 'handler_error', message: clip(`${err.name}: ${err.message}`, MESSAGE_MAX), retryable: true };
  return { code: 'handler_error', message: clip(`non-error thrown: ${String(err)}`, MESSAGE_MAX), retryable: true };
}

/** Whether an error from the server says the lease is no longer ours. */
export function isStaleLease(err: unknown): boolean {
  return err instanceof OrchError && err.code === 'stale_lease';
}

/** Whether trying the same call again may succeed (server unavailable, timeout, …). */
export function isTransient(err: unknown): boolean {
  return err instanceof OrchError && err.retryable;
}

/**
 * Maps a NATS transport failure of a request to an OrchError: no responders →
 * `unavailable`, timeout → `timeout`, anything else → `unavailable`; all
 * retryable. A permissions violation (the credentials do not allow the subject,
 * or the inbox prefix does not match them) → `forbidden`, not retryable.
 * OrchErrors (the server's answer) pass through.
 */
export function transportError(err: unknown, subject: string, timeoutMs: number): OrchError {
  if (err instanceof OrchError) return err;
  const denied = permissionViolationOf(err);
  if (denied) {
    return new OrchError(
      'forbidden',
      `NATS refused ${denied.operation} on ${denied.subject} (request on ${subject}): the worker's credentials do not allow it; check its tenant and inbox prefix`,
      { cause: err, retryable: false },
    );
  }
  if ((err instanceof natsErrors.RequestError && err.isNoResponders()) || err instanceof natsErrors.NoRespondersError) {
    return new OrchError('unavailable', `no lease-broker answers on ${subject}`, { cause: err, retryable: true });
  }
  if (err instanceof natsErrors.TimeoutError || (err instanceof natsErrors.RequestError && err.cause instanceof natsErrors.TimeoutError)) {
    return new OrchError('timeout', `no reply on ${subject} within ${timeoutMs} ms`, { cause: err, retryable: true });
  }
  return new OrchError('unavailable', `request on ${subject} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err, retryable: true });
}

/** The permissions violation behind a failed request or publish (nats.js wraps it, sometimes twice), if any. */
function permissionViolationOf(err: unknown): PermissionViolationError | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof natsErrors.PermissionViolationError) return e;
  }
  return null;
}
