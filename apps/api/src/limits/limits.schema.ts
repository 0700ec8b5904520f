/**
 * OpenAPI schemas and examples of `/api/v1/limits` and `/api/v1/quotas`, typed by the interfaces
 * the routes return (registered in openapi-schemas.ts).
 */
import type { SchemaObject } from '@nestjs/swagger';
import { LIMIT_RULE_KINDS, LimitRuleView, PauseView, QuotaFigureView, QuotaRemainingView } from '@orch/contracts';
import { objectSchema, orNull, schemaRef } from '@orch/service-kit';

const string = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra, ...(description ? { description } : {}) });
const instant = (description?: string): SchemaObject => string(description, { format: 'date-time' });
const integer = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra, ...(description ? { description } : {}) });
const number = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'number', ...extra, ...(description ? { description } : {}) });

/** Names of the limits schemas in `components.schemas`. */
export const LIMITS_SCHEMAS = {
  ruleInput: 'LimitRuleInput',
  rule: 'LimitRuleView',
  ruleList: 'LimitRuleList',
  rulePut: 'PutLimitRuleResult',
  ruleDeleted: 'DeleteLimitRuleResult',
  pauseInput: 'CreatePauseRequest',
  pause: 'PauseView',
  pauseList: 'PauseList',
  pauseDeleted: 'DeletePauseResult',
  quotaRemaining: 'QuotaRemainingResult',
} as const;

const DIMS = ['tenant', 'project', 'source', 'jobType'];
const match: SchemaObject = {
  type: 'object',
  description: 'Narrows the rule to jobs with these exact values (absent: any).',
  properties: { project: string(), source: string('The upstream a job talks to (its `source`).'), jobType: string() },
  additionalProperties: false,
};
const per: SchemaObject = {
  type: 'array',
  description: 'Dimensions the counters are kept per (e.g. `["tenant","source"]`: one bucket per source); `[]`: one counter for everything matched.',
  items: { type: 'string', enum: DIMS },
  uniqueItems: true,
};
const adaptive: SchemaObject = {
  description: '`false`: ignore upstream 429/5xx feedback; an object tunes it (defaults apply to absent fields).',
  oneOf: [
    { type: 'boolean', enum: [false] },
    {
      type: 'object',
      properties: {
        decreaseFactor: number(undefined, { minimum: 0, maximum: 1 }),
        minFactor: number(undefined, { minimum: 0, maximum: 1 }),
        recoveryPerSecond: number(undefined, { minimum: 0 }),
        maxHoldMs: integer(undefined, { minimum: 0 }),
        minDecreaseIntervalMs: integer(undefined, { minimum: 0 }),
      },
      additionalProperties: false,
    },
  ],
};
const FIGURES: Record<string, SchemaObject> = {
  ratePerSecond: number('rate: tokens per second (60/min = 1).', { minimum: 0 }),
  burst: number('rate: bucket capacity.', { minimum: 1 }),
  adaptive,
  maxInFlight: integer('concurrency: most jobs admitted and not yet ended.', { minimum: 1 }),
  maxActive: orNull(integer('quota: most jobs active at once.', { minimum: 0 })),
  maxPerHour: orNull(integer('quota: most admissions per UTC hour.', { minimum: 0 })),
  maxPerDay: orNull(integer('quota: most admissions per UTC day.', { minimum: 0 })),
  failureRateThreshold: number('breaker: failure fraction that opens it.', { minimum: 0, maximum: 1 }),
  minOutcomes: integer('breaker: fewest outcomes in the window before the rate counts.', { minimum: 1 }),
  windowMs: integer('breaker: sliding window length.', { minimum: 1 }),
  openMs: integer('breaker: how long it stays open before probing.', { minimum: 1 }),
  halfOpenProbes: integer('breaker: probes while half-open, and successes needed to close.', { minimum: 1 }),
  windowBuckets: integer('breaker: buckets of the window.', { minimum: 1, maximum: 60 }),
};

const ruleInput: SchemaObject = {
  type: 'object',
  description:
    'A limit rule of the caller\'s tenant. `kind` decides which figures apply: rate (`ratePerSecond`, `burst`, `adaptive`), concurrency (`maxInFlight`), ' +
    'quota (at least one of `maxActive`, `maxPerHour`, `maxPerDay`), breaker (`failureRateThreshold`, `minOutcomes`, `windowMs`, `openMs`, `halfOpenProbes`).',
  required: ['id', 'kind'],
  properties: {
    id: string('Unique in the tenant; also names the rule in throttle reasons.', { pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }),
    kind: { type: 'string', enum: [...LIMIT_RULE_KINDS] },
    match,
    per,
    description: orNull(string(undefined, { maxLength: 500 })),
    ...FIGURES,
  },
  additionalProperties: false,
};

const rule = objectSchema<LimitRuleView>({
  description: 'A limit rule as stored.',
  properties: {
    id: string(),
    kind: { type: 'string', enum: [...LIMIT_RULE_KINDS] },
    tenant: orNull(string('null: a rule of the platform over every tenant (read-only here).')),
    match,
    per,
    ratePerSecond: FIGURES.ratePerSecond,
    burst: FIGURES.burst,
    adaptive,
    maxInFlight: FIGURES.maxInFlight,
    maxActive: FIGURES.maxActive,
    maxPerHour: FIGURES.maxPerHour,
    maxPerDay: FIGURES.maxPerDay,
    failureRateThreshold: FIGURES.failureRateThreshold,
    minOutcomes: FIGURES.minOutcomes,
    windowMs: FIGURES.windowMs,
    openMs: FIGURES.openMs,
    halfOpenProbes: FIGURES.halfOpenProbes,
    windowBuckets: FIGURES.windowBuckets,
    description: orNull(string()),
    createdAt: instant(),
    updatedAt: instant(),
    updatedBy: string('Subject of the operator who last changed it.'),
  },
  optional: ['ratePerSecond', 'burst', 'adaptive', 'maxInFlight', 'maxActive', 'maxPerHour', 'maxPerDay', 'failureRateThreshold', 'minOutcomes', 'windowMs', 'openMs', 'halfOpenProbes', 'windowBuckets', 'description'],
});

const pause = objectSchema<PauseView>({
  description: 'A pause: matching jobs of the tenant wait `throttled` (code `paused`) until it is removed or `until` passes.',
  properties: {
    id: string(),
    tenant: orNull(string()),
    match,
    reason: orNull(string()),
    until: orNull(instant('When it lifts by itself; null: until removed.')),
    active: { type: 'boolean', description: 'False once `until` has passed.' },
    createdAt: instant(),
    createdBy: string(),
  },
});

const pauseInput: SchemaObject = {
  type: 'object',
  required: ['match'],
  properties: {
    match: { ...match, description: 'What to hold back: `{}` is the whole tenant; `{"jobType": "nvd.sync"}` one job type; `{"source": "nvd.nist.gov"}` one upstream.' },
    reason: orNull(string('Shown in the throttle reason of every held job.', { maxLength: 256 })),
    until: orNull(instant('Lift by itself at this time; absent: until removed.')),
  },
  additionalProperties: false,
};

const figure = objectSchema<QuotaFigureView>({
  properties: { limit: integer(), used: integer(), remaining: integer(undefined, { minimum: 0 }), resetAt: orNull(instant('Window end; null for maxActive.')) },
});

const quotaRemaining = objectSchema<QuotaRemainingView>({
  properties: { ruleId: string(), key: string('The counter key (rule and dimension values).'), active: orNull(figure), hour: orNull(figure), day: orNull(figure) },
});

const deleted = (what: string): SchemaObject =>
  objectSchema<{ deleted: true; id: string }>({ description: `The ${what} is gone.`, properties: { deleted: { type: 'boolean', enum: [true] }, id: string() } });

/** The request and response schemas of the limits routes, for `apiResponseSchemas`. */
export function limitsResponseSchemas(): Record<string, SchemaObject> {
  const S = LIMITS_SCHEMAS;
  return {
    [S.ruleInput]: ruleInput,
    [S.rule]: rule,
    [S.ruleList]: objectSchema<{ items: LimitRuleView[] }>({ description: "The tenant's rules (and the platform's), by id.", properties: { items: { type: 'array', items: schemaRef(S.rule) } } }),
    [S.rulePut]: objectSchema<{ rule: LimitRuleView; created: boolean }>({ properties: { rule: schemaRef(S.rule), created: { type: 'boolean', description: 'False when a rule with this id was replaced.' } } }),
    [S.ruleDeleted]: deleted('rule'),
    [S.pauseInput]: pauseInput,
    [S.pause]: pause,
    [S.pauseList]: objectSchema<{ items: PauseView[] }>({ properties: { items: { type: 'array', items: schemaRef(S.pause) } } }),
    [S.pauseDeleted]: deleted('pause (the held jobs are offered again at once)'),
    [S.quotaRemaining]: objectSchema<{ quotas: QuotaRemainingView[] }>({ properties: { quotas: { type: 'array', items: quotaRemaining } } }),
  };
}

/** A concurrency rule of tenant `acme`. */
export const exampleRule: LimitRuleView = {
  id: 'nvd-concurrency',
  kind: 'concurrency',
  tenant: 'acme',
  match: { jobType: 'nvd.sync' },
  per: ['tenant', 'jobType'],
  maxInFlight: 5,
  description: 'at most 5 NVD syncs at once',
  createdAt: '2026-11-23T09:00:00.000Z',
  updatedAt: '2026-11-23T09:00:00.000Z',
  updatedBy: 'ops@example.com',
};

/** A pause of tenant `acme`. */
export const examplePause: PauseView = {
  id: 'pause-3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f',
  tenant: 'acme',
  match: { source: 'nvd.nist.gov' },
  reason: 'NVD maintenance window',
  until: '2026-11-23T14:00:00.000Z',
  active: true,
  createdAt: '2026-11-23T12:00:00.000Z',
  createdBy: 'ops@example.com',
};

/** Bodies of `POST /api/v1/limits/rules`. */
export const ruleInputExamples = {
  rate: { summary: '60 per minute per source', value: { id: 'per-source-rate', kind: 'rate', match: {}, per: ['tenant', 'source'], ratePerSecond: 1, burst: 60 } },
  concurrency: { summary: 'At most 5 running per job type', value: { id: exampleRule.id, kind: 'concurrency', match: exampleRule.match, per: exampleRule.per, maxInFlight: 5 } },
  quota: { summary: 'A daily quota', value: { id: 'daily-quota', kind: 'quota', match: { jobType: 'nvd.sync' }, per: ['tenant', 'jobType'], maxActive: 20, maxPerDay: 5000 } },
};

/** Bodies of `POST /api/v1/limits/pauses`. */
export const pauseInputExamples = {
  source: { summary: 'Pause one upstream for two hours', value: { match: { source: 'nvd.nist.gov' }, reason: 'NVD maintenance window', until: '2026-11-23T14:00:00.000Z' } },
  tenant: { summary: 'Pause the whole tenant', value: { match: {}, reason: 'billing hold' } },
};
