// @ts-check
// Mirrors of libs/contracts lists the dashboard needs (the browser cannot import TypeScript);
// dashboard-lib.spec.ts fails when they drift apart.

/** Job states in lifecycle order. */
export const JOB_STATUSES = Object.freeze(['pending', 'queued', 'throttled', 'leased', 'running', 'succeeded', 'failed', 'canceled', 'timed_out']);

/** States a job never leaves. */
export const TERMINAL_STATUSES = Object.freeze(['succeeded', 'failed', 'canceled', 'timed_out']);

/** Notifier event types: the SSE stream names each frame after one (EventSource needs a listener per name). */
export const EVENT_TYPES = Object.freeze([
  'job.created',
  'job.queued',
  'job.throttled',
  'job.leased',
  'job.running',
  'job.progress',
  'job.succeeded',
  'job.failed',
  'job.canceled',
  'job.cancel_requested',
  'job.timed_out',
  'job.dead_lettered',
  'job.log',
  'job.artifact',
]);

/** Control-plane scopes. */
export const SCOPES = Object.freeze({ read: 'orch:read', operate: 'orch:operate', quota: 'orch:quota', backfill: 'orch:backfill' });

/** Longest `X-Orch-Reason` the API accepts (printable ASCII). */
export const REASON_MAX_LENGTH = 256;

/** @param {string} status */
export function isTerminal(status) {
  return TERMINAL_STATUSES.includes(status);
}
