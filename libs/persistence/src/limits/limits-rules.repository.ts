import type { BreakerRule, LimitDim, LimitRuleSet, PauseRule, QuotaRule, RateRule, RuleMatch, ConcurrencyRule, AdaptivePolicy, BreakerConfig } from '@orch/domain';
import type { Queryable } from '../ledger.repository';
import { limitsRows as queryRows } from './rows';

/** A stored rule of any kind, as the admin commands and the api show it. */
export type StoredRule =
  | (RateRule & { description?: string | null })
  | (ConcurrencyRule & { description?: string | null })
  | (QuotaRule & { kind: 'quota'; description?: string | null })
  | (BreakerRule & { kind: 'breaker'; description?: string | null });

/** Kinds of {@link StoredRule}. */
export type StoredRuleKind = StoredRule['kind'];

/** A stored rule with its bookkeeping. */
export type RuleRow = StoredRule & { createdAt: string; updatedAt: string; updatedBy: string };

/** A stored pause with its bookkeeping. */
export type PauseRow = PauseRule & { createdAt: string; createdBy: string };

const RULE_COLUMNS =
  'id, tenant, kind, match, per, rate_per_second, burst, adaptive, max_in_flight, max_active, max_per_hour, max_per_day, breaker, description, created_at, updated_at, updated_by';
const PAUSE_COLUMNS = 'id, tenant, match, reason, until, created_at, created_by';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function ruleFromDb(r: Record<string, unknown>): RuleRow {
  const base = {
    id: r['id'] as string,
    tenant: (r['tenant'] as string | null) ?? null,
    match: (r['match'] as RuleMatch) ?? {},
    per: ((r['per'] as string[]) ?? []) as LimitDim[],
    description: (r['description'] as string | null) ?? null,
    createdAt: new Date(r['created_at'] as string).toISOString(),
    updatedAt: new Date(r['updated_at'] as string).toISOString(),
    updatedBy: r['updated_by'] as string,
  };
  switch (r['kind']) {
    case 'rate': {
      const adaptive = r['adaptive'] as AdaptivePolicy | false | null;
      return { ...base, kind: 'rate', ratePerSecond: num(r['rate_per_second'])!, burst: num(r['burst'])!, ...(adaptive !== null ? { adaptive } : {}) };
    }
    case 'concurrency':
      return { ...base, kind: 'concurrency', maxInFlight: num(r['max_in_flight'])! };
    case 'quota':
      return { ...base, kind: 'quota', maxActive: num(r['max_active']), maxPerHour: num(r['max_per_hour']), maxPerDay: num(r['max_per_day']) };
    default:
      return { ...base, kind: 'breaker', ...(r['breaker'] as BreakerConfig) };
  }
}

function pauseFromDb(r: Record<string, unknown>): PauseRow {
  return {
    id: r['id'] as string,
    tenant: (r['tenant'] as string | null) ?? null,
    match: (r['match'] as RuleMatch) ?? {},
    reason: (r['reason'] as string | null) ?? null,
    until: r['until'] ? new Date(r['until'] as string).getTime() : null,
    createdAt: new Date(r['created_at'] as string).toISOString(),
    createdBy: r['created_by'] as string,
  };
}

/** The typed columns of a rule (kind-specific ones null when they do not apply). */
function ruleColumns(rule: StoredRule): unknown[] {
  const rate = rule.kind === 'rate' ? rule : null;
  const quota = rule.kind === 'quota' ? rule : null;
  const breaker: BreakerConfig | null =
    rule.kind === 'breaker'
      ? {
          failureRateThreshold: rule.failureRateThreshold,
          minOutcomes: rule.minOutcomes,
          windowMs: rule.windowMs,
          openMs: rule.openMs,
          halfOpenProbes: rule.halfOpenProbes,
          ...(rule.windowBuckets !== undefined ? { windowBuckets: rule.windowBuckets } : {}),
        }
      : null;
  return [
    rule.id,
    rule.tenant,
    rule.kind,
    JSON.stringify(rule.match),
    rule.per,
    rate?.ratePerSecond ?? null,
    rate?.burst ?? null,
    rate && rate.adaptive !== undefined ? JSON.stringify(rate.adaptive) : null,
    rule.kind === 'concurrency' ? rule.maxInFlight : null,
    quota?.maxActive ?? null,
    quota?.maxPerHour ?? null,
    quota?.maxPerDay ?? null,
    breaker ? JSON.stringify(breaker) : null,
    rule.description ?? null,
  ];
}

/** Splits stored rules into the domain's rule set. */
export function toRuleSet(rules: readonly StoredRule[], pauses: readonly PauseRule[]): LimitRuleSet {
  const set: { rules: (RateRule | ConcurrencyRule)[]; quotas: QuotaRule[]; pauses: PauseRule[]; breakers: BreakerRule[] } = {
    rules: [],
    quotas: [],
    pauses: [...pauses],
    breakers: [],
  };
  for (const r of rules) {
    if (r.kind === 'rate' || r.kind === 'concurrency') set.rules.push(r);
    else if (r.kind === 'quota') set.quotas.push(r);
    else set.breakers.push(r);
  }
  return set;
}

/**
 * Rules and pauses of the `limits` schema. A tenant sees (and admission applies) its own rules
 * and the global ones (`tenant IS NULL`); changes through the admin commands touch only the
 * caller's tenant's rows.
 */
export class LimitsRulesRepository {
  /** Rules of `tenant` and global ones, by id. */
  async listRules(q: Queryable, p: { tenant: string; kind?: StoredRuleKind }): Promise<RuleRow[]> {
    const rows = await queryRows(
      q,
      `SELECT ${RULE_COLUMNS} FROM limits.rules WHERE (tenant = $1 OR tenant IS NULL) AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
      [p.tenant, p.kind ?? null],
    );
    return rows.map(ruleFromDb);
  }

  /** Pauses of `tenant` and global ones, by id (expired ones included: `pauseActive` decides). */
  async listPauses(q: Queryable, p: { tenant: string }): Promise<PauseRow[]> {
    const rows = await queryRows(q, `SELECT ${PAUSE_COLUMNS} FROM limits.pauses WHERE tenant = $1 OR tenant IS NULL ORDER BY id`, [p.tenant]);
    return rows.map(pauseFromDb);
  }

  /** Everything admission applies to `tenant`, read in the caller's transaction (so a change applies to the next decision). */
  async loadRuleSet(q: Queryable, p: { tenant: string }): Promise<LimitRuleSet> {
    const [rules, pauses] = [await this.listRules(q, p), await this.listPauses(q, p)];
    return toRuleSet(rules, pauses);
  }

  /** The rule with this id (any tenant; callers check ownership), locked FOR UPDATE when `lock`. */
  async getRule(q: Queryable, p: { id: string; lock?: boolean }): Promise<RuleRow | null> {
    const rows = await queryRows(q, `SELECT ${RULE_COLUMNS} FROM limits.rules WHERE id = $1${p.lock ? ' FOR UPDATE' : ''}`, [p.id]);
    return rows[0] ? ruleFromDb(rows[0]) : null;
  }

  /** Inserts or replaces a rule (same id); returns it as stored. */
  async putRule(q: Queryable, p: { rule: StoredRule; actor: string }): Promise<RuleRow> {
    const rows = await queryRows(
      q,
      `INSERT INTO limits.rules (id, tenant, kind, match, per, rate_per_second, burst, adaptive, max_in_flight, max_active, max_per_hour, max_per_day, breaker, description, updated_by)
       VALUES ($1, $2, $3, $4::jsonb, $5::text[], $6, $7, $8::jsonb, $9, $10, $11, $12, $13::jsonb, $14, $15)
       ON CONFLICT (id) DO UPDATE SET tenant = EXCLUDED.tenant, kind = EXCLUDED.kind, match = EXCLUDED.match, per = EXCLUDED.per,
         rate_per_second = EXCLUDED.rate_per_second, burst = EXCLUDED.burst, adaptive = EXCLUDED.adaptive,
         max_in_flight = EXCLUDED.max_in_flight, max_active = EXCLUDED.max_active, max_per_hour = EXCLUDED.max_per_hour,
         max_per_day = EXCLUDED.max_per_day, breaker = EXCLUDED.breaker, description = EXCLUDED.description,
         updated_at = now(), updated_by = EXCLUDED.updated_by
       RETURNING ${RULE_COLUMNS}`,
      [...ruleColumns(p.rule), p.actor],
    );
    return ruleFromDb(rows[0]);
  }

  /** Deletes a rule; true when it existed. */
  async deleteRule(q: Queryable, p: { id: string }): Promise<boolean> {
    const rows = await queryRows(q, `DELETE FROM limits.rules WHERE id = $1 RETURNING id`, [p.id]);
    return rows.length > 0;
  }

  /** The pause with this id (any tenant), locked FOR UPDATE when `lock`. */
  async getPause(q: Queryable, p: { id: string; lock?: boolean }): Promise<PauseRow | null> {
    const rows = await queryRows(q, `SELECT ${PAUSE_COLUMNS} FROM limits.pauses WHERE id = $1${p.lock ? ' FOR UPDATE' : ''}`, [p.id]);
    return rows[0] ? pauseFromDb(rows[0]) : null;
  }

  /** Inserts a pause; null when the id is taken. */
  async insertPause(q: Queryable, p: { pause: PauseRule; actor: string }): Promise<PauseRow | null> {
    const { pause } = p;
    const rows = await queryRows(
      q,
      `INSERT INTO limits.pauses (id, tenant, match, reason, until, created_by) VALUES ($1, $2, $3::jsonb, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING RETURNING ${PAUSE_COLUMNS}`,
      [pause.id, pause.tenant, JSON.stringify(pause.match), pause.reason ?? null, pause.until != null ? new Date(pause.until).toISOString() : null, p.actor],
    );
    return rows[0] ? pauseFromDb(rows[0]) : null;
  }

  /** Deletes a pause; true when it existed. */
  async deletePause(q: Queryable, p: { id: string }): Promise<boolean> {
    const rows = await queryRows(q, `DELETE FROM limits.pauses WHERE id = $1 RETURNING id`, [p.id]);
    return rows.length > 0;
  }
}

/** A stored quota rule. */
export type QuotaRuleRow = Extract<RuleRow, { kind: 'quota' }>;
