import { ExplainCode, ExplainReason, isTerminal, JobExplanation, JobView } from '@orch/contracts';

/** What the ledger says around a job, gathered read-only for {@link explainJob}. */
export interface ExplainFacts {
  job: JobView;
  /** Whether the current attempt was admitted (and dispatched). */
  admitted: boolean;
  /** Eligible jobs (queued or throttled) of the same tenant and job type that go before it, and in all. */
  queue: { ahead: number; waiting: number } | null;
  /** Jobs of the tenant's job type leased or running now, and the last time one started. */
  workers: { running: number; lastStartedAt: Date | null } | null;
  /** The job's parents in its run that have not succeeded yet (ids and statuses); null when unknown. */
  openParents: { id: string; status: string }[] | null;
  now: Date;
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const at = (s: string | null): Date | null => (s ? new Date(s) : null);

/**
 * Why a job is not running right now (or what it is doing), from facts read off
 * the ledger: the decisive reason first, then what else stands in the way, with
 * the next eligible time where one is known. Pure: the same facts, the same answer.
 */
export function explainJob(facts: ExplainFacts): JobExplanation {
  const { job, now } = facts;
  const reasons: ExplainReason[] = [];
  let nextEligibleAt: Date | null = null;
  let progressing = false;
  const reason = (code: ExplainReason['code'], detail: string, until: Date | null = null, extra: Partial<ExplainReason> = {}) =>
    reasons.push({ code, detail, until: iso(until), ...extra });

  if (isTerminal(job.status)) {
    const why = job.statusReason ? ` (${job.statusReason})` : '';
    reason(ExplainCode.finished, `ended ${job.status}${why}${job.finishedAt ? ` at ${job.finishedAt}` : ''}; a replay would make a new job`);
  } else if (job.status === 'leased' || job.status === 'running') {
    progressing = true;
    const lease = job.lease;
    const expires = at(lease?.expiresAt ?? null);
    if (job.status === 'running') {
      const pct = job.progress?.percent != null ? `, ${job.progress.percent}% done` : '';
      reason(ExplainCode.running, `running on worker ${lease?.workerId ?? '(unknown)'} (attempt ${job.attempt} of ${job.maxAttempts}${pct}); its lease runs to ${lease?.expiresAt ?? '?'} unless it heartbeats`, expires);
    } else {
      reason(ExplainCode.leased, `leased to worker ${lease?.workerId ?? '(unknown)'}, which has not reported that it started; the lease expires at ${lease?.expiresAt ?? '?'} and the job is queued again if it does not`, expires);
    }
    if (job.cancel) {
      reason(ExplainCode.cancelRequested, `cancel requested at ${job.cancel.requestedAt} (${job.cancel.reason}); the worker must stop by ${job.cancel.deadline ?? 'the end of its lease'}`, at(job.cancel.deadline));
    }
  } else if (job.status === 'pending') {
    const runAt = at(job.runAt);
    if (facts.openParents && facts.openParents.length > 0) {
      const list = facts.openParents.slice(0, 10).map((p) => `${p.id} (${p.status})`).join(', ');
      reason(ExplainCode.dependencies, `waits for ${facts.openParents.length} parent job(s) to succeed: ${list}${facts.openParents.length > 10 ? ', …' : ''}`);
    }
    if (runAt && runAt > now) {
      nextEligibleAt = runAt;
      reason(ExplainCode.scheduled, `scheduled: runAt is ${job.runAt}`, runAt);
    } else if (!facts.openParents || facts.openParents.length === 0) {
      progressing = true;
      reason(ExplainCode.awaitingPromotion, 'due: the scheduler queues it on its next pass');
    }
  } else {
    explainEligible(facts, reason, (d) => (nextEligibleAt = d), () => (progressing = true));
  }

  return {
    jobId: job.id,
    status: job.status,
    progressing,
    summary: reasons[0]?.detail ?? job.status,
    reasons,
    nextEligibleAt: iso(nextEligibleAt),
    queue: facts.queue,
    workers: facts.workers ? { running: facts.workers.running, lastStartedAt: iso(facts.workers.lastStartedAt) } : null,
    asOf: now.toISOString(),
  };
}

/** `queued` and `throttled`: a hold, a backoff, admission, its place in line, workers. */
function explainEligible(
  facts: ExplainFacts,
  reason: (code: ExplainReason['code'], detail: string, until?: Date | null, extra?: Partial<ExplainReason>) => void,
  setNext: (d: Date | null) => void,
  setProgressing: () => void,
): void {
  const { job, now } = facts;
  const eligibleAt = at(job.eligibleAt);
  const later = eligibleAt && eligibleAt > now ? eligibleAt : null;
  if (job.status === 'throttled' && job.throttle) {
    const t = job.throttle;
    const until = later ? `until ${job.eligibleAt}` : t.code === 'paused' ? 'until the pause is lifted' : 'until a slot frees';
    reason(t.code, `held by ${t.code.replace(/_/g, ' ')}${t.ruleId ? ` (rule ${t.ruleId}` : ''}${t.key ? `${t.ruleId ? ', ' : ' ('}key ${t.key}` : ''}${t.ruleId || t.key ? ')' : ''}: ${t.detail}; ${until}`, later, {
      ruleId: t.ruleId ?? null,
      key: t.key ?? null,
    });
    setNext(later);
  } else if (later) {
    reason(ExplainCode.retryBackoff, `attempt ${job.attempt} of ${job.maxAttempts} waits out the backoff after a failure${job.lastError ? ` (${job.lastError.code}: ${job.lastError.message.slice(0, 200)})` : ''}`, later);
    setNext(later);
  } else if (facts.admitted) {
    const w = facts.workers;
    if (w && w.running === 0) {
      const last = w.lastStartedAt ? `the last one started at ${w.lastStartedAt.toISOString()}` : 'none has started one recently';
      reason(ExplainCode.noWorker, `dispatched, but no worker is running any ${job.jobType} job of this tenant (${last}): is a worker for ${job.jobType} connected?`);
    } else {
      setProgressing();
      reason(ExplainCode.awaitingWorker, `dispatched; waiting for a free worker (${w?.running ?? 'some'} ${job.jobType} job(s) of this tenant running now)`);
    }
  } else {
    setProgressing();
    reason(ExplainCode.awaitingAdmission, 'eligible: the scheduler asks the rate-limiter to admit it on its next pass');
  }
  const q = facts.queue;
  if (q && q.ahead > 0) {
    reason(ExplainCode.priority, `${q.ahead} of ${q.waiting} eligible ${job.jobType} job(s) of this tenant go first (higher priority, or priority ${job.priority} and older)`);
  }
}
