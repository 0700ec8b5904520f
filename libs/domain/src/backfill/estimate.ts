/** The limits that apply to a backfill's jobs, as far as they bound how fast it can go. */
export interface BackfillLimitFacts {
  /** Token buckets that apply: the slowest one bounds the rate. */
  rates: { ruleId: string; ratePerSecond: number; burst: number }[];
  /** Concurrency caps (and quota maxActive) that apply: the smallest bounds the parallelism. */
  caps: { ruleId: string; maxInFlight: number }[];
  /** Hourly and daily quotas that apply. */
  hourly: { ruleId: string; max: number }[];
  daily: { ruleId: string; max: number }[];
}

/** The estimated duration of a backfill and what bounds it. */
export interface BackfillEstimate {
  /** Seconds until every job ran, or null when nothing bounds it and no run time is known. */
  seconds: number | null;
  /** `rate:<rule>`, `concurrency:<rule>`, `quota_hour:<rule>`, `quota_day:<rule>`, or null. */
  boundBy: string | null;
  /** Mean run time of recent succeeded jobs of the job type, if any (the concurrency bound uses it). */
  meanRunSeconds: number | null;
  /** Sentence for people. */
  detail: string;
}

/**
 * Estimates how long `jobs` jobs take under the limits that apply, if nothing else competes: the
 * largest of the rate bound (jobs beyond the burst at the slowest rate), the concurrency bound
 * (jobs × mean run time / smallest cap) and the quota bounds (whole windows needed). Live traffic
 * shares the same limits, so this is a lower bound; the api says so.
 */
export function estimateBackfill(jobs: number, limits: BackfillLimitFacts, meanRunSeconds: number | null): BackfillEstimate {
  if (jobs === 0) return { seconds: 0, boundBy: null, meanRunSeconds, detail: 'nothing to run' };
  const bounds: { seconds: number; by: string }[] = [];
  for (const r of limits.rates) if (r.ratePerSecond > 0) bounds.push({ seconds: Math.max(0, jobs - r.burst) / r.ratePerSecond, by: `rate:${r.ruleId}` });
  if (meanRunSeconds !== null) {
    for (const c of limits.caps) if (c.maxInFlight > 0) bounds.push({ seconds: (jobs * meanRunSeconds) / c.maxInFlight, by: `concurrency:${c.ruleId}` });
  }
  for (const q of limits.hourly) if (q.max > 0) bounds.push({ seconds: Math.floor((jobs - 1) / q.max) * 3_600, by: `quota_hour:${q.ruleId}` });
  for (const q of limits.daily) if (q.max > 0) bounds.push({ seconds: Math.floor((jobs - 1) / q.max) * 86_400, by: `quota_day:${q.ruleId}` });
  const worst = bounds.sort((a, b) => b.seconds - a.seconds)[0];
  if (!worst) {
    return {
      seconds: null,
      boundBy: null,
      meanRunSeconds,
      detail: meanRunSeconds === null ? 'no limit applies and no job of this type has run yet: as fast as the workers go' : 'no limit applies: as fast as the workers go',
    };
  }
  const seconds = Math.round(worst.seconds);
  return { seconds, boundBy: worst.by, meanRunSeconds, detail: `at least ${seconds} s, bound by ${worst.by.replace(':', ' rule ')}; live traffic under the same limits makes it longer` };
}

/** A limit rule as the rate-limiter lists it (`LimitRuleView`), as far as estimates read it. */
export interface ListedRule {
  id: string;
  kind: string;
  tenant: string | null;
  match: { project?: string; source?: string; jobType?: string };
  ratePerSecond?: number;
  burst?: number;
  maxInFlight?: number;
  maxActive?: number | null;
  maxPerHour?: number | null;
  maxPerDay?: number | null;
}

/** The rules among `rules` that apply to a backfill's jobs, as {@link BackfillLimitFacts}. */
export function limitFactsFor(rules: readonly ListedRule[], subject: { tenant: string; project: string; source: string; jobType: string }): BackfillLimitFacts {
  const facts: BackfillLimitFacts = { rates: [], caps: [], hourly: [], daily: [] };
  for (const r of rules) {
    if (r.tenant !== null && r.tenant !== subject.tenant) continue;
    const m = r.match ?? {};
    if ((m.project !== undefined && m.project !== subject.project) || (m.source !== undefined && m.source !== subject.source) || (m.jobType !== undefined && m.jobType !== subject.jobType)) continue;
    if (r.kind === 'rate' && r.ratePerSecond !== undefined) facts.rates.push({ ruleId: r.id, ratePerSecond: r.ratePerSecond, burst: r.burst ?? 1 });
    if (r.kind === 'concurrency' && r.maxInFlight !== undefined) facts.caps.push({ ruleId: r.id, maxInFlight: r.maxInFlight });
    if (r.kind === 'quota') {
      if (r.maxActive != null) facts.caps.push({ ruleId: r.id, maxInFlight: r.maxActive });
      if (r.maxPerHour != null) facts.hourly.push({ ruleId: r.id, max: r.maxPerHour });
      if (r.maxPerDay != null) facts.daily.push({ ruleId: r.id, max: r.maxPerDay });
    }
  }
  return facts;
}
