import { LIMIT_DIMS } from './keys';
import type { LimitRuleSet } from './plan';

/** One problem with one field of a rule (`field` is a path such as `adaptive.minFactor`). */
export interface FieldError {
  field: string;
  message: string;
}

/** Rule ids: also the first segment of every state key, so no `|`, `=` or `%`. */
export const LIMIT_RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

interface NumSpec {
  /** Inclusive lower bound, or exclusive when `gt`. */
  min?: number;
  gt?: boolean;
  /** Inclusive upper bound, or exclusive when `lt`. */
  max?: number;
  lt?: boolean;
  integer?: boolean;
  optional?: boolean;
}

/** Collects errors under a path prefix. */
class Errors {
  readonly list: FieldError[] = [];
  constructor(private readonly prefix = '') {}

  add(field: string, message: string): void {
    this.list.push({ field: field === '' ? this.prefix.replace(/\.$/, '') || '(rule)' : `${this.prefix}${field}`, message });
  }

  num(obj: Rec, field: string, spec: NumSpec): void {
    const v = obj[field];
    if (v == null && spec.optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.add(field, 'must be a finite number');
    if (spec.integer && !Number.isInteger(v)) return this.add(field, 'must be an integer');
    if (spec.min !== undefined && (spec.gt ? v <= spec.min : v < spec.min)) return this.add(field, `must be ${spec.gt ? '>' : '≥'} ${spec.min}`);
    if (spec.max !== undefined && (spec.lt ? v >= spec.max : v > spec.max)) this.add(field, `must be ${spec.lt ? '<' : '≤'} ${spec.max}`);
  }

  scope(rule: Rec): void {
    if (typeof rule.id !== 'string' || !LIMIT_RULE_ID_PATTERN.test(rule.id)) this.add('id', `must match ${LIMIT_RULE_ID_PATTERN}`);
    if (rule.tenant !== null && (typeof rule.tenant !== 'string' || rule.tenant === '')) this.add('tenant', 'must be a non-empty string, or null for every tenant');
    if (!isRec(rule.match)) return this.add('match', 'must be an object (use {} to match everything)');
    for (const [k, v] of Object.entries(rule.match)) {
      if (!['project', 'source', 'jobType'].includes(k)) this.add(`match.${k}`, 'is not a match field (project, source, jobType)');
      else if (v !== undefined && (typeof v !== 'string' || v === '')) this.add(`match.${k}`, 'must be a non-empty string');
    }
  }

  per(rule: Rec): void {
    if (!Array.isArray(rule.per)) return this.add('per', `must be an array of ${LIMIT_DIMS.join(', ')}`);
    const seen = new Set<unknown>();
    for (const [i, d] of rule.per.entries()) {
      if (!(LIMIT_DIMS as readonly unknown[]).includes(d)) this.add(`per[${i}]`, `must be one of ${LIMIT_DIMS.join(', ')}`);
      else if (seen.has(d)) this.add(`per[${i}]`, `repeats ${String(d)}`);
      seen.add(d);
    }
  }

  adaptive(rule: Rec): void {
    const a = rule.adaptive;
    if (a === undefined || a === false) return;
    if (!isRec(a)) return this.add('adaptive', 'must be false or an object');
    const known = ['decreaseFactor', 'minFactor', 'recoveryPerSecond', 'maxHoldMs', 'minDecreaseIntervalMs'];
    for (const k of Object.keys(a)) if (!known.includes(k)) this.add(`adaptive.${k}`, 'is not an adaptive setting');
    const sub = new Errors(`${this.prefix}adaptive.`);
    sub.num(a, 'decreaseFactor', { min: 0, gt: true, max: 1, lt: true, optional: true });
    sub.num(a, 'minFactor', { min: 0, gt: true, max: 1, optional: true });
    sub.num(a, 'recoveryPerSecond', { min: 0, gt: true, optional: true });
    sub.num(a, 'maxHoldMs', { min: 0, optional: true });
    sub.num(a, 'minDecreaseIntervalMs', { min: 0, optional: true });
    this.list.push(...sub.list);
  }
}

function check(rule: unknown, prefix: string, body: (e: Errors, r: Rec) => void): FieldError[] {
  const e = new Errors(prefix);
  if (!isRec(rule)) e.add('', 'must be an object');
  else body(e, rule);
  return e.list;
}

/**
 * Field errors of a rate or concurrency rule (empty when valid): id pattern, tenant, match,
 * `per` dimensions valid and unique; rate: `ratePerSecond` > 0, `burst` ≥ 1, adaptive settings in
 * range; concurrency: `maxInFlight` an integer ≥ 1.
 */
export function validateLimitRule(rule: unknown, prefix = ''): FieldError[] {
  return check(rule, prefix, (e, r) => {
    e.scope(r);
    e.per(r);
    if (r.kind === 'rate') {
      e.num(r, 'ratePerSecond', { min: 0, gt: true });
      e.num(r, 'burst', { min: 1 });
      e.adaptive(r);
    } else if (r.kind === 'concurrency') {
      e.num(r, 'maxInFlight', { min: 1, integer: true });
    } else {
      e.add('kind', "must be 'rate' or 'concurrency'");
    }
  });
}

/** Field errors of a quota: scope, `per`, and at least one of maxActive / maxPerHour / maxPerDay, each an integer ≥ 0. */
export function validateQuotaRule(rule: unknown, prefix = ''): FieldError[] {
  return check(rule, prefix, (e, r) => {
    e.scope(r);
    e.per(r);
    for (const f of ['maxActive', 'maxPerHour', 'maxPerDay']) e.num(r, f, { min: 0, integer: true, optional: true });
    if (r.maxActive == null && r.maxPerHour == null && r.maxPerDay == null) e.add('maxActive', 'a quota sets at least one of maxActive, maxPerHour, maxPerDay');
  });
}

/** Field errors of a pause: scope, `reason` a string of at most 256 characters, `until` epoch ms or null. */
export function validatePauseRule(rule: unknown, prefix = ''): FieldError[] {
  return check(rule, prefix, (e, r) => {
    e.scope(r);
    if (r.reason != null && (typeof r.reason !== 'string' || r.reason.length > 256)) e.add('reason', 'must be a string of at most 256 characters');
    e.num(r, 'until', { min: 0, optional: true });
  });
}

/**
 * Field errors of a breaker: scope, `per`, threshold in (0, 1], minOutcomes / halfOpenProbes
 * integers ≥ 1, windowMs / openMs integers ≥ 1, windowBuckets an integer 1…60 (≤ windowMs).
 */
export function validateBreakerRule(rule: unknown, prefix = ''): FieldError[] {
  return check(rule, prefix, (e, r) => {
    e.scope(r);
    e.per(r);
    e.num(r, 'failureRateThreshold', { min: 0, gt: true, max: 1 });
    e.num(r, 'minOutcomes', { min: 1, integer: true });
    e.num(r, 'windowMs', { min: 1, integer: true });
    e.num(r, 'openMs', { min: 1, integer: true });
    e.num(r, 'halfOpenProbes', { min: 1, integer: true });
    e.num(r, 'windowBuckets', { min: 1, max: 60, integer: true, optional: true });
    if (typeof r.windowBuckets === 'number' && typeof r.windowMs === 'number' && r.windowBuckets > r.windowMs) e.add('windowBuckets', 'must be ≤ windowMs');
  });
}

/**
 * Field errors of a whole rule set (fields prefixed `rules[i].`, `quotas[i].`, `pauses[i].`,
 * `breakers[i].`), including ids repeated across kinds: every id starts the state keys of its rule,
 * so two rules with one id would share counters.
 */
export function validateRuleSet(set: LimitRuleSet): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>();
  const groups: [keyof LimitRuleSet, (r: unknown, prefix: string) => FieldError[]][] = [
    ['rules', validateLimitRule],
    ['quotas', validateQuotaRule],
    ['pauses', validatePauseRule],
    ['breakers', validateBreakerRule],
  ];
  for (const [name, validate] of groups) {
    for (const [i, rule] of set[name].entries()) {
      const prefix = `${name}[${i}].`;
      errors.push(...validate(rule, prefix));
      const id = (rule as { id?: unknown }).id;
      if (typeof id !== 'string') continue;
      const first = seen.get(id);
      if (first) errors.push({ field: `${prefix}id`, message: `repeats the id of ${first}` });
      else seen.set(id, `${name}[${i}]`);
    }
  }
  return errors;
}
