import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { isTerminal, JobEventData, JobStatus, JOB_STATUSES } from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { LimitsNotices } from './limits-notices';
import { EndedAttempts, SlotReleaseService } from './slot-release.service';

/** Name of the consumer binding (JetStreamServer options) that feeds {@link SlotReleaseController}. */
export const LIMITS_EVENTS_CONSUMER = 'limits-events';
/** Durable consumer name on the EVENTS stream, shared by every rate-limiter replica. */
export const RATE_LIMITER_DURABLE = 'rate-limiter';

/** Statuses of a job whose current attempt waits to be (re)admitted: every earlier attempt is over. */
const WAITING: ReadonlySet<JobStatus> = new Set<JobStatus>([JobStatus.pending, JobStatus.queued, JobStatus.throttled]);

/**
 * The attempts a ledger event ends (pure): a terminal state ends the job's attempts up to its
 * own; a job back to waiting at attempt n (retry, expired lease) ends those below n. Every other
 * event (leased, running, progress, a lifted hold at the same attempt, …) ends nothing.
 */
export function endedBy(data: unknown): EndedAttempts | null {
  const job = (data as Partial<JobEventData> | null)?.job;
  if (!job || typeof job.id !== 'string' || !Number.isInteger(job.attempt) || !JOB_STATUSES.includes(job.status)) return null;
  if (isTerminal(job.status)) return { jobId: job.id, endedBelow: job.attempt + 1 };
  if (WAITING.has(job.status) && job.attempt > 1) return { jobId: job.id, endedBelow: job.attempt };
  return null;
}

/**
 * Releases an attempt's slots when the ledger says it ended (docs/adr/0011 §2), from the
 * rate-limiter's own durable consumer of `<NS>_EVENTS`. Idempotent: a redelivered event finds
 * the admission already released and changes nothing. A failed release is redelivered.
 */
@Controller()
export class SlotReleaseController {
  constructor(
    private readonly slots: SlotReleaseService,
    private readonly notices: LimitsNotices,
  ) {}

  @EventPattern(Route.consumer(LIMITS_EVENTS_CONSUMER))
  async onLedgerEvent(@Payload() m: Incoming<unknown>): Promise<void> {
    const ended = endedBy(m.envelope.data);
    if (!ended) return;
    const released = await this.slots.releaseEnded([ended], 'attempt_ended');
    if (released.length > 0) this.notices.changed(m.envelope.tenant, 'slots');
  }
}
