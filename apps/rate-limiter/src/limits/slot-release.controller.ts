import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { isTerminal, JobEventData, JobStatus, JOB_STATUSES } from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { BreakerOutcomes, outcomeOf } from './breaker-outcomes';
import { LimitsNotices } from './limits-notices';
import { RuleSetCache } from './rule-set-cache';
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
 * Releases an attempt's slots when the ledger says it ended (docs/adr/0011 §2) and counts its
 * outcome in the circuit breakers that apply to it, from the rate-limiter's own durable consumer
 * of `<NS>_EVENTS`. Idempotent: a redelivered event finds the admission already released and the
 * outcome already counted, and changes nothing. A failed release or count is redelivered.
 * A tenant that nothing limits costs no query here (docs/adr/0016): admissions are recorded
 * only under a rule, and one left from a deleted rule is released by the reconciler.
 */
@Controller()
export class SlotReleaseController {
  constructor(
    private readonly slots: SlotReleaseService,
    private readonly notices: LimitsNotices,
    private readonly ruleSets: RuleSetCache,
    private readonly breakers: BreakerOutcomes,
  ) {}

  @EventPattern(Route.consumer(LIMITS_EVENTS_CONSUMER))
  async onLedgerEvent(@Payload() m: Incoming<unknown>): Promise<void> {
    const ended = endedBy(m.envelope.data);
    if (!ended) return;
    const env = m.envelope;
    const set = await this.ruleSets.get(env.tenant);
    if (set.rules.length + set.quotas.length + set.breakers.length === 0) return;
    const outcome = outcomeOf(env.data);
    if (outcome) await this.breakers.record(env.tenant, env.project, env.correlationId, outcome);
    if (await this.slots.releaseEndedGrouped(ended)) this.notices.changed(env.tenant, 'slots');
  }
}
