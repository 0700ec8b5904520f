import { limitKey, LimitSubject, ruleApplies, scopeKey } from './keys';
import { QuotaWindow, quotaActiveKey, quotaUsageKey } from './quota';
import type { BreakerRule, LimitRule, PauseRule, QuotaRule, RateRule } from './rules';

/** Every rule the limiter knows, as loaded for one decision. */
export interface LimitRuleSet {
  /** Rate and concurrency rules. */
  rules: readonly LimitRule[];
  quotas: readonly QuotaRule[];
  pauses: readonly PauseRule[];
  breakers: readonly BreakerRule[];
}

/** A slot counter a job must fit under: a concurrency rule or a quota's maxActive. */
export interface CapCheck {
  code: 'concurrency_cap' | 'quota_active';
  ruleId: string;
  key: string;
  max: number;
}

/** A quota window counter a job must fit under. */
export interface WindowCheck {
  code: 'quota_hour' | 'quota_day';
  ruleId: string;
  key: string;
  window: QuotaWindow;
  max: number;
}

/** Every check that applies to one subject, with its state key, in checking order within each stage. */
export interface SubjectPlan {
  pauses: { rule: PauseRule; key: string }[];
  breakers: { rule: BreakerRule; key: string }[];
  caps: CapCheck[];
  /** Day windows before hour windows: a spent day outlasts a spent hour. */
  windows: WindowCheck[];
  rates: { rule: RateRule; key: string }[];
}

/** The checks of every rule applying to `subject` (rules in the order given). */
export function planSubject(subject: LimitSubject, set: LimitRuleSet): SubjectPlan {
  const plan: SubjectPlan = { pauses: [], breakers: [], caps: [], windows: [], rates: [] };
  for (const rule of set.pauses) if (ruleApplies(rule, subject)) plan.pauses.push({ rule, key: scopeKey(rule, subject) });
  for (const rule of set.breakers) if (ruleApplies(rule, subject)) plan.breakers.push({ rule, key: limitKey(rule.id, rule.per, subject) });
  for (const rule of set.rules) {
    if (!ruleApplies(rule, subject)) continue;
    const key = limitKey(rule.id, rule.per, subject);
    if (rule.kind === 'rate') plan.rates.push({ rule, key });
    else plan.caps.push({ code: 'concurrency_cap', ruleId: rule.id, key, max: rule.maxInFlight });
  }
  const hours: WindowCheck[] = [];
  for (const quota of set.quotas) {
    if (!ruleApplies(quota, subject)) continue;
    const key = limitKey(quota.id, quota.per, subject);
    if (quota.maxActive != null) plan.caps.push({ code: 'quota_active', ruleId: quota.id, key: quotaActiveKey(key), max: quota.maxActive });
    if (quota.maxPerDay != null) {
      plan.windows.push({ code: 'quota_day', ruleId: quota.id, key: quotaUsageKey(key, 'day'), window: 'day', max: quota.maxPerDay });
    }
    if (quota.maxPerHour != null) {
      hours.push({ code: 'quota_hour', ruleId: quota.id, key: quotaUsageKey(key, 'hour'), window: 'hour', max: quota.maxPerHour });
    }
  }
  plan.windows.push(...hours);
  return plan;
}

/** Plans subjects, computing each distinct {tenant, project, source, jobType} once. */
export function subjectPlanner(set: LimitRuleSet): (subject: LimitSubject) => SubjectPlan {
  const cache = new Map<string, SubjectPlan>();
  return (subject) => {
    const id = JSON.stringify([subject.tenant, subject.project, subject.source ?? null, subject.jobType]);
    let plan = cache.get(id);
    if (!plan) cache.set(id, (plan = planSubject(subject, set)));
    return plan;
  };
}

/** State keys a decision may read or write, per map, each sorted (lock them in this order). */
export interface LimitStateKeys {
  buckets: string[];
  inFlight: string[];
  usage: string[];
  breakers: string[];
}

/**
 * The state keys an admission of `subjects` under `set` reads or writes: load exactly these rows
 * (SELECT … FOR UPDATE, in sorted order so concurrent replicas cannot deadlock) before
 * `evaluateAdmission`, and write back its `touched` ones.
 */
export function admissionStateKeys(subjects: readonly LimitSubject[], set: LimitRuleSet): LimitStateKeys {
  const buckets = new Set<string>();
  const inFlight = new Set<string>();
  const usage = new Set<string>();
  const breakers = new Set<string>();
  const plan = subjectPlanner(set);
  for (const subject of subjects) {
    const p = plan(subject);
    for (const b of p.breakers) breakers.add(b.key);
    for (const c of p.caps) inFlight.add(c.key);
    for (const w of p.windows) usage.add(w.key);
    for (const r of p.rates) buckets.add(r.key);
  }
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return { buckets: sorted(buckets), inFlight: sorted(inFlight), usage: sorted(usage), breakers: sorted(breakers) };
}
