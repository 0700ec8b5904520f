import { LIMIT_RULE_KINDS, LimitRuleView, OrchError, PAUSE_ID_PREFIX, PauseView } from '@orch/contracts';
import { FieldError, pauseActive, validateBreakerRule, validateLimitRule, validateQuotaRule } from '@orch/domain';
import type { PauseRow, RuleRow, StoredRule } from '@orch/persistence';

/** Fields a rule body may carry, per kind (anything else is refused, so a typo is not silently ignored). */
const FIELDS: Record<StoredRule['kind'], string[]> = {
  rate: ['ratePerSecond', 'burst', 'adaptive'],
  concurrency: ['maxInFlight'],
  quota: ['maxActive', 'maxPerHour', 'maxPerDay'],
  breaker: ['failureRateThreshold', 'minOutcomes', 'windowMs', 'openMs', 'halfOpenProbes', 'windowBuckets'],
};
const COMMON = ['id', 'kind', 'tenant', 'match', 'per', 'description'];

/** Longest rule id a tenant may choose (the stored id is `<tenant>:<id>`, at most 128 characters). */
export const RULE_ID_MAX_LENGTH = 64;

/**
 * The stored id of a tenant's rule: `<tenant>:<id>`. Rule ids name state keys, so they must be
 * unique across the installation; prefixing the tenant (which cannot contain `:`) gives every
 * tenant its own id namespace, and another tenant's rule is simply not found.
 */
export function storedRuleId(tenant: string, id: string): string {
  return `${tenant}:${id}`;
}

/** The id a tenant sees for a stored rule id (global rules keep theirs). */
export function visibleRuleId(tenant: string | null, storedId: string): string {
  return tenant !== null && storedId.startsWith(`${tenant}:`) ? storedId.slice(tenant.length + 1) : storedId;
}

function refuse(errors: FieldError[]): never {
  const list = errors.map((e) => ({ path: `rule.${e.field}`, message: e.message }));
  throw new OrchError('validation', `invalid limit rule: ${list.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors: list, retryable: false });
}

/**
 * The rule of a `limits.rule.put` body, for `tenant` (a body's own `tenant` is ignored), checked
 * with the domain validators: field errors name their path (`rule.burst`), nothing is stored.
 * `match` and `per` default to `{}` and `[]`.
 */
export function parseRuleInput(body: Record<string, unknown>, tenant: string): StoredRule {
  const kind = body['kind'];
  if (typeof kind !== 'string' || !(LIMIT_RULE_KINDS as readonly string[]).includes(kind)) {
    refuse([{ field: 'kind', message: `must be one of ${LIMIT_RULE_KINDS.join(', ')}` }]);
  }
  const k = kind as StoredRule['kind'];
  const errors: FieldError[] = [];
  for (const f of Object.keys(body)) if (!COMMON.includes(f) && !FIELDS[k].includes(f)) errors.push({ field: f, message: `is not a field of a ${k} rule` });
  const description = body['description'];
  if (description != null && (typeof description !== 'string' || description.length > 500)) errors.push({ field: 'description', message: 'must be a string of at most 500 characters' });
  const id = body['id'];
  if (typeof id === 'string' && id.startsWith(PAUSE_ID_PREFIX)) errors.push({ field: 'id', message: `must not start with ${PAUSE_ID_PREFIX} (reserved for pauses)` });
  if (typeof id === 'string' && id.length > RULE_ID_MAX_LENGTH) errors.push({ field: 'id', message: `must be at most ${RULE_ID_MAX_LENGTH} characters` });
  const rule: Record<string, unknown> = { match: {}, per: [], ...body, tenant };
  if (k === 'quota') errors.push(...validateQuotaRule(rule));
  else if (k === 'breaker') errors.push(...validateBreakerRule(rule));
  else errors.push(...validateLimitRule(rule));
  if (errors.length > 0) refuse(errors);
  return { ...rule, id: storedRuleId(tenant, id as string) } as unknown as StoredRule;
}

/** A stored rule as the api shows it. */
export function ruleView(r: RuleRow): LimitRuleView {
  return { ...r, id: visibleRuleId(r.tenant, r.id) } as unknown as LimitRuleView;
}

/** The audited fields of a rule (its body, without bookkeeping). */
export function auditedRule(r: RuleRow): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, updatedBy: _b, ...rest } = r;
  return { ...rest, id: visibleRuleId(r.tenant, r.id) } as unknown as Record<string, unknown>;
}

/** A stored pause as the api shows it. */
export function pauseView(p: PauseRow, now: number): PauseView {
  return {
    id: p.id,
    tenant: p.tenant,
    match: p.match,
    reason: p.reason ?? null,
    until: p.until != null ? new Date(p.until).toISOString() : null,
    active: pauseActive(p, now),
    createdAt: p.createdAt,
    createdBy: p.createdBy,
  };
}
