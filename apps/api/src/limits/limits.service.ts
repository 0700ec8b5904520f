import { Injectable } from '@nestjs/common';
import {
  CreatePauseCommand,
  CreatePauseRequest,
  CreatePauseResult,
  LIMIT_RULE_KINDS,
  LimitRuleKind,
  LimitRuleView,
  LimitsVerb,
  OperatorContext,
  OrchError,
  PauseView,
  PutLimitRuleResult,
  QuotaRemainingResult,
  JOB_TYPE_PATTERN,
  ID_TOKEN_PATTERN,
  SOURCE_PATTERN,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { currentContext } from '@orch/telemetry';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { QueryReader, RawQuery } from '../jobs/jobs.params';
import type { Replayable } from '../webhooks/webhooks.service';

/** Idempotency scope of `POST /api/v1/limits/pauses`. */
export const CREATE_PAUSE_SCOPE = 'POST /api/v1/limits/pauses';
/** A rule id a tenant can choose (the rate-limiter stores it as `<tenant>:<id>`). */
export const RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** What a pause id can look like (the rate-limiter makes them `pause-…`; anything else of this shape is simply not found there). */
export const PAUSE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const notFound = (what: string) => new OrchError('notFound', `${what} (invalid id) not found`, { retryable: false });

/** Every field a limit rule of any kind may carry. */
const RULE_FIELDS = new Set([
  'id', 'kind', 'tenant', 'match', 'per', 'description',
  'ratePerSecond', 'burst', 'adaptive', 'maxInFlight', 'maxActive', 'maxPerHour', 'maxPerDay',
  'failureRateThreshold', 'minOutcomes', 'windowMs', 'openMs', 'halfOpenProbes', 'windowBuckets',
]);

/** The rate-limiter names a rule's fields `rule.<field>`; over HTTP the body is the rule. */
function bodyPaths(err: unknown): unknown {
  if (!(err instanceof OrchError) || err.code !== 'validation_failed' || !err.errors) return err;
  const errors = err.errors.map((e) => ({ ...e, path: e.path.replace(/^rule\.?/, '') }));
  return new OrchError('validation', err.message.replace(/\brule\./g, ''), { errors, retryable: false, cause: err });
}

/** Validated query of `GET /api/v1/quotas/remaining`. */
export interface QuotaRemainingParams {
  jobType: string;
  project?: string;
  source?: string;
}

/** Parses `kind` of `GET /api/v1/limits/rules`. */
export function parseRuleListQuery(query: RawQuery): { kind?: LimitRuleKind } {
  const q = new QueryReader(query, ['kind']);
  const kind = q.string('kind');
  if (kind !== undefined && !(LIMIT_RULE_KINDS as readonly string[]).includes(kind)) q.problems.push({ path: 'kind', message: `kind must be one of ${LIMIT_RULE_KINDS.join(', ')}` });
  q.throwIfAny('invalid limit rule list query');
  return kind !== undefined ? { kind: kind as LimitRuleKind } : {};
}

/** Parses `active` (`true` | `false`) of `GET /api/v1/limits/pauses`. */
export function parsePauseListQuery(query: RawQuery): { active?: boolean } {
  const q = new QueryReader(query, ['active']);
  const active = q.string('active');
  if (active !== undefined && active !== 'true' && active !== 'false') q.problems.push({ path: 'active', message: 'active must be true or false' });
  q.throwIfAny('invalid pause list query');
  return active === 'true' || active === 'false' ? { active: active === 'true' } : {};
}

/** Parses `jobType` (required), `project` and `source` of `GET /api/v1/quotas/remaining`. */
export function parseQuotaRemainingQuery(query: RawQuery): QuotaRemainingParams {
  const q = new QueryReader(query, ['jobType', 'project', 'source']);
  const jobType = q.matching('jobType', JOB_TYPE_PATTERN);
  if (query['jobType'] === undefined) q.problems.push({ path: 'jobType', message: 'jobType is required' });
  const project = q.matching('project', ID_TOKEN_PATTERN);
  const source = q.matching('source', SOURCE_PATTERN);
  q.throwIfAny('invalid quota query');
  return { jobType: jobType!, ...(project !== undefined ? { project } : {}), ...(source !== undefined ? { source } : {}) };
}

/**
 * Limits for the control plane: each call is one `limits.*` command to the rate-limiter (which
 * owns rules, pauses and counters, writes the audit entries and answers another tenant's rule or
 * pause `not_found`) on behalf of the caller's tenant; a malformed id is 404 here.
 */
@Injectable()
export class LimitsService {
  constructor(
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  listRules(tenant: string, params: { kind?: LimitRuleKind }): Promise<{ items: LimitRuleView[] }> {
    return this.send(tenant, 'limits.rule.list', params);
  }

  getRule(tenant: string, id: string): Promise<LimitRuleView> {
    if (!RULE_ID_PATTERN.test(id)) throw notFound('limit rule');
    return this.send(tenant, 'limits.rule.get', { id });
  }

  /** Creates or replaces the rule with the body's id (an upsert: repeating it changes nothing more). */
  putRule(tenant: string, body: unknown, operator: OperatorContext): Promise<PutLimitRuleResult> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new OrchError('validation', 'request body: must be a JSON object (a limit rule)', { errors: [{ path: '', message: 'must be a JSON object' }], retryable: false });
    }
    // Checked here too, so members such as `__proto__` never travel: the rate-limiter checks each kind's own fields.
    const unknown = Object.keys(body).filter((k) => !RULE_FIELDS.has(k));
    if (unknown.length > 0) {
      const errors = unknown.map((k) => ({ path: k, message: `${k} is not a field of a limit rule` }));
      throw new OrchError('validation', `request body: ${errors.map((e) => e.message).join('; ')}`, { errors, retryable: false });
    }
    return this.send<PutLimitRuleResult>(tenant, 'limits.rule.put', { rule: body, operator }).catch((err: unknown) => {
      throw bodyPaths(err);
    });
  }

  deleteRule(tenant: string, id: string, operator: OperatorContext): Promise<{ deleted: true; id: string }> {
    if (!RULE_ID_PATTERN.test(id)) throw notFound('limit rule');
    return this.send(tenant, 'limits.rule.delete', { id, operator });
  }

  async listPauses(tenant: string, params: { active?: boolean } = {}): Promise<{ items: PauseView[] }> {
    const { items } = await this.send<{ items: PauseView[] }>(tenant, 'limits.pause.list', {});
    return { items: params.active === undefined ? items : items.filter((p) => p.active === params.active) };
  }

  /** The digest covers the body, the reason and the ticket: the same key with any other is a 409. */
  async createPause(tenant: string, body: CreatePauseRequest, operator: OperatorContext, key: string): Promise<Replayable<PauseView>> {
    const data: CreatePauseCommand = {
      ...body,
      operator: operator as CreatePauseCommand['operator'],
      idempotency: { key, scope: CREATE_PAUSE_SCOPE, requestDigest: digestOf({ request: body, reason: operator.reason, ticket: operator.ticket ?? null }) },
    };
    const r = await this.send<CreatePauseResult>(tenant, 'limits.pause.create', data);
    return { replayed: !r.created, value: r.pause };
  }

  /** Resume: removes the pause. */
  deletePause(tenant: string, id: string, operator: OperatorContext): Promise<{ deleted: true; id: string }> {
    if (!PAUSE_ID_PATTERN.test(id)) throw notFound('pause');
    return this.send(tenant, 'limits.pause.delete', { id, operator });
  }

  quotaRemaining(tenant: string, params: QuotaRemainingParams): Promise<QuotaRemainingResult> {
    return this.send(tenant, 'limits.quota.remaining', params);
  }

  private async send<T>(tenant: string, verb: LimitsVerb, data: object): Promise<T> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<T>(
        'rate-limiter',
        verb,
        { type: `ratelimiter.${verb}`, tenant, project: '*', correlationId: currentContext().correlationId ?? uuidv7(), data },
        { timeoutMs },
      );
    } catch (err) {
      throw commandFailure(err, 'rate-limiter', timeoutMs, 'retry; a POST with the same Idempotency-Key is safe to repeat');
    }
  }
}
