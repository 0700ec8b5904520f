/** A ledger event as the concurrency count reads it (columns of `ledger.job_events`). */
export interface AttemptEventRow {
  event_type: string;
  job_id: string;
  attempt: number;
}

/** Events that end an attempt's hold on a worker: terminal, or back in the queue. */
const ENDS_ATTEMPT = new Set(['job.succeeded', 'job.failed', 'job.canceled', 'job.timed_out', 'job.queued']);

/**
 * The peak number of attempts between `job.leased` and their end, replaying `events` in ledger
 * order — what a concurrency cap must never have let exceed it, counted from the ledger rather
 * than from the limiter's own counters.
 */
export function peakInFlight(events: readonly AttemptEventRow[]): number {
  const open = new Set<string>();
  let peak = 0;
  for (const e of events) {
    const key = `${e.job_id}:${e.attempt}`;
    if (e.event_type === 'job.leased') open.add(key);
    else if (ENDS_ATTEMPT.has(e.event_type)) open.delete(key);
    else continue;
    peak = Math.max(peak, open.size);
  }
  return peak;
}
