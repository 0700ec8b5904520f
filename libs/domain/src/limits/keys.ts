/**
 * Scoping of limit rules and the canonical state keys built from them.
 *
 * Key format (stable; persisted as primary keys by the rate limiter):
 *
 *   `<ruleId>|<dim>=<value>|…[|@<suffix>]`
 *
 * - dimensions appear only if listed in the rule's `per`, always in the order
 *   `tenant`, `project`, `source`, `jobType` (whatever order `per` lists them in);
 * - values are escaped: `%` → `%25`, `|` → `%7C`, `=` → `%3D`; a null source is the empty value (`source=`);
 * - a rule with an empty `per` has one key shared by everything it matches: the bare rule id;
 * - suffixes name a second counter of the same rule: `@active` (a quota's maxActive slots),
 *   `@hour` / `@day` (a quota's window usage), `@probe:<halfOpenSince>` (a half-open breaker's probe slot).
 *
 * Rule ids must be unique across rate, concurrency, quota, pause and breaker rules
 * ({@link validateRuleSet}), so every key names exactly one state entry.
 */

/** The dimensions a rule can be scoped and keyed by, in canonical key order. */
export const LIMIT_DIMS = ['tenant', 'project', 'source', 'jobType'] as const;

/** One of {@link LIMIT_DIMS}. */
export type LimitDim = (typeof LIMIT_DIMS)[number];

/** What a limit is decided about: a job's tenant, project, upstream source (if any) and job type. */
export interface LimitSubject {
  tenant: string;
  project: string;
  /** The upstream the job talks to; null/absent matches only rules without a `source` match. */
  source?: string | null;
  jobType: string;
}

/** Narrows a rule to subjects with these exact values (an absent field matches anything). */
export interface RuleMatch {
  project?: string;
  source?: string;
  jobType?: string;
}

/** Fields every rule kind shares: identity and scope. */
export interface ScopedRule {
  /** Unique across every rule kind; `[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}`. */
  id: string;
  /** The tenant the rule belongs to, or null for a rule over every tenant (e.g. a shared upstream). */
  tenant: string | null;
  match: RuleMatch;
}

/** Suffixes of secondary keys of one rule (see the module comment). */
export const KEY_SUFFIX = {
  active: '@active',
  hour: '@hour',
  day: '@day',
  probe: '@probe:',
} as const;

/** Whether `rule` applies to `subject`: same tenant (or a rule over every tenant) and every match field equal. */
export function ruleApplies(rule: ScopedRule, subject: LimitSubject): boolean {
  if (rule.tenant !== null && rule.tenant !== subject.tenant) return false;
  const m = rule.match;
  if (m.project !== undefined && m.project !== subject.project) return false;
  if (m.source !== undefined && m.source !== (subject.source ?? null)) return false;
  if (m.jobType !== undefined && m.jobType !== subject.jobType) return false;
  return true;
}

function dimValue(subject: LimitSubject, dim: LimitDim): string {
  return dim === 'source' ? (subject.source ?? '') : subject[dim];
}

function escapeValue(value: string): string {
  return value.replace(/%/g, '%25').replace(/\|/g, '%7C').replace(/=/g, '%3D');
}

function unescapeValue(value: string): string {
  return value.replace(/%(25|7C|3D)/g, (_, code: string) => String.fromCharCode(parseInt(code, 16)));
}

/** The canonical key of `ruleId` for `subject`, keyed by the `per` dimensions (see the module comment). */
export function limitKey(ruleId: string, per: readonly LimitDim[], subject: LimitSubject): string {
  const parts = [ruleId];
  for (const dim of LIMIT_DIMS) if (per.includes(dim)) parts.push(`${dim}=${escapeValue(dimValue(subject, dim))}`);
  return parts.join('|');
}

/** A secondary key of a rule key (`@active`, `@hour`, `@day`). */
export function suffixedKey(key: string, suffix: string): string {
  return `${key}|${suffix}`;
}

/** A key taken apart by {@link parseLimitKey}. */
export interface ParsedLimitKey {
  ruleId: string;
  dims: Partial<Record<LimitDim, string>>;
  /** The `@…` suffix, if any (e.g. `@hour`). */
  suffix: string | null;
}

/** Parses a key built by {@link limitKey} (optionally suffixed); null when it is not one. */
export function parseLimitKey(key: string): ParsedLimitKey | null {
  const [ruleId, ...rest] = key.split('|');
  if (!ruleId) return null;
  const dims: Partial<Record<LimitDim, string>> = {};
  let suffix: string | null = null;
  for (const [i, part] of rest.entries()) {
    if (part.startsWith('@')) {
      if (i !== rest.length - 1) return null;
      suffix = part;
      continue;
    }
    const eq = part.indexOf('=');
    const dim = part.slice(0, eq) as LimitDim;
    if (eq < 0 || !LIMIT_DIMS.includes(dim) || dim in dims) return null;
    dims[dim] = unescapeValue(part.slice(eq + 1));
  }
  return { ruleId, dims, suffix };
}

/**
 * The key naming a pause for `subject`: the pause id with the dimensions it is scoped by
 * (its tenant, if any, and its match fields), so the throttle reason says what is paused.
 */
export function scopeKey(rule: ScopedRule, subject: LimitSubject): string {
  const dims: LimitDim[] = [];
  if (rule.tenant !== null) dims.push('tenant');
  for (const dim of ['project', 'source', 'jobType'] as const) if (rule.match[dim] !== undefined) dims.push(dim);
  return limitKey(rule.id, dims, subject);
}
