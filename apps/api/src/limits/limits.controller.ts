import { Body, Controller, Delete, Get, Headers, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { CreatePauseRequest, LIMIT_RULE_KINDS, LimitRuleView, OperatorContext, PauseView, QuotaRemainingResult, Scopes } from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { BadQuery, BodyTooLarge, IdempotencyConflict, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { examplePause, exampleRule, LIMITS_SCHEMAS as LS, pauseInputExamples, ruleInputExamples } from './limits.schema';
import { LimitsService, parsePauseListQuery, parseQuotaRemainingQuery, parseRuleListQuery } from './limits.service';

const H = OpenApiRefs.headers;
const TICKET_MISSING = { summary: 'No X-Orch-Ticket', code: 'validation_failed', detail: 'X-Orch-Ticket is required for this operator action (1-128 characters)', errors: [{ path: 'X-Orch-Ticket', message: 'X-Orch-Ticket is required for this operator action (1-128 characters)' }] };
const OperatorProblems = (extra: Record<string, { code: string; detail: string; errors?: { path: string; message: string }[] }> = {}) =>
  ApiProblemResponse(400, {
    description:
      'No (or a too long) `X-Orch-Reason` or `X-Orch-Ticket` (both are required for limits changes), an invalid body (`validation_failed`, each problem in `errors`), ' +
      'or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING, ticket: TICKET_MISSING, ...extra },
  });
const RuleIdParam = () => ApiParam({ name: 'id', description: 'The rule id (as chosen when it was put).', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }, example: exampleRule.id });
const RuleNotFound = () =>
  ApiProblemResponse(404, {
    description: "No such rule in the caller's tenant (a malformed id and another tenant's rule are answered alike).",
    examples: { not_found: { code: 'not_found', detail: `limit rule ${exampleRule.id} not found` } },
  });

/**
 * `/api/v1/limits` and `/api/v1/quotas`: rate limits, concurrency caps, quotas, breakers and
 * pauses of the caller's tenant, enforced by the rate-limiter on every admission. Reads need
 * `orch:read`; changes need `orch:quota` with `X-Orch-Reason` and `X-Orch-Ticket` (audited) and
 * apply to the next admission, without restarts.
 */
@ApiTags('limits')
@Controller('api/v1')
export class LimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get('limits/rules')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'listLimitRules', summary: "List the tenant's limit rules", description: 'Every rule of the tenant and the platform rules over every tenant, by id.' })
  @ApiQuery({ name: 'kind', required: false, description: 'Only rules of this kind.', schema: { type: 'string', enum: [...LIMIT_RULE_KINDS] } })
  @ApiJsonResponse(200, { description: 'The rules.', schema: LS.ruleList, examples: { rules: { summary: 'One rule', value: { items: [exampleRule] } } } })
  @BadQuery('invalid limit rule list query', 'kind', `kind must be one of ${LIMIT_RULE_KINDS.join(', ')}`)
  @Unavailable('rate-limiter', false)
  listRules(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<{ items: LimitRuleView[] }> {
    return this.limits.listRules(tenant, parseRuleListQuery(query));
  }

  /** Creates or replaces (same id) a rule: 201 when new, 200 when replaced; the next admission applies it. */
  @Post('limits/rules')
  @RequireScopes(Scopes.quota)
  @OperatorAction({ ticket: 'required' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'putLimitRule',
    summary: 'Create or replace a limit rule',
    description:
      'Token bucket (`rate`), concurrency cap (`concurrency`), quota (`quota`) or circuit breaker (`breaker`) on any of tenant, project, source and job type. ' +
      'A rule with the same id is replaced (its counters are kept). Applies to the next admission. Operator action (reason and ticket), audited. ' +
      'Repeating the request (any Idempotency-Key) leaves the same rule.',
  })
  @ApiJsonBody(LS.ruleInput, ruleInputExamples)
  @ApiJsonResponse(201, { description: 'Created.', schema: LS.rulePut, examples: { created: { summary: 'Created', value: { rule: exampleRule, created: true } } }, headers: [H.location, H.idempotencyKey] })
  @ApiJsonResponse(200, { description: 'Replaced.', schema: LS.rulePut, examples: { replaced: { summary: 'Replaced', value: { rule: { ...exampleRule, maxInFlight: 8 }, created: false } } }, headers: [H.location, H.idempotencyKey] })
  @OperatorProblems({ burst: { code: 'validation_failed', detail: 'invalid limit rule: burst: must be ≥ 1', errors: [{ path: 'burst', message: 'must be ≥ 1' }] } })
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('rate-limiter', true)
  async putRule(
    @TenantId() tenant: string,
    @Body() body: unknown,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ rule: LimitRuleView; created: boolean }> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const result = await this.limits.putRule(tenant, body, operator);
    res.setHeader('Idempotency-Key', key);
    res.location(`/api/v1/limits/rules/${encodeURIComponent(result.rule.id)}`);
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get('limits/rules/:id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getLimitRule', summary: 'Get a limit rule' })
  @RuleIdParam()
  @ApiJsonResponse(200, { description: 'The rule.', schema: LS.rule, examples: { rule: { summary: 'A rule', value: exampleRule } } })
  @RuleNotFound()
  @Unavailable('rate-limiter', false)
  getRule(@TenantId() tenant: string, @Param('id') id: string): Promise<LimitRuleView> {
    return this.limits.getRule(tenant, id);
  }

  @Delete('limits/rules/:id')
  @RequireScopes(Scopes.quota)
  @OperatorAction({ ticket: 'required' })
  @ApiOperation({ operationId: 'deleteLimitRule', summary: 'Delete a limit rule', description: 'The next admission no longer applies it. Operator action (reason and ticket), audited.' })
  @RuleIdParam()
  @ApiJsonResponse(200, { description: 'Deleted.', schema: LS.ruleDeleted, examples: { deleted: { summary: 'Deleted', value: { deleted: true, id: exampleRule.id } } } })
  @OperatorProblems()
  @RuleNotFound()
  @Unavailable('rate-limiter', false)
  deleteRule(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext): Promise<{ deleted: true; id: string }> {
    return this.limits.deleteRule(tenant, id, operator);
  }

  @Get('limits/pauses')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'listPauses', summary: "List the tenant's pauses", description: 'Expired ones (`active: false`) until they are removed.' })
  @ApiQuery({ name: 'active', required: false, description: '`true`: only pauses in force; `false`: only expired ones.', schema: { type: 'string', enum: ['true', 'false'] } })
  @ApiJsonResponse(200, { description: 'The pauses.', schema: LS.pauseList, examples: { pauses: { summary: 'One pause', value: { items: [examplePause] } } } })
  @BadQuery('invalid pause list query', 'active', 'active must be true or false')
  @Unavailable('rate-limiter', false)
  listPauses(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<{ items: PauseView[] }> {
    return this.limits.listPauses(tenant, parsePauseListQuery(query));
  }

  /** Holds back the matching jobs (throttled, code `paused`); a replay of the key answers the same pause. */
  @Post('limits/pauses')
  @RequireScopes(Scopes.quota)
  @OperatorAction({ ticket: 'required' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'createPause',
    summary: 'Pause a tenant, project, source or job type',
    description:
      'Matching jobs wait `throttled` with code `paused` and the reason, until the pause is removed (`DELETE`, resume) or `until` passes. ' +
      'Operator action (reason and ticket), audited. Same Idempotency-Key and body (and reason, ticket) again: 200, `Idempotent-Replayed: true`.',
  })
  @ApiJsonBody(LS.pauseInput, pauseInputExamples)
  @ApiJsonResponse(201, { description: 'Paused. `Location` is the pause.', schema: LS.pause, examples: { created: { summary: 'Paused', value: examplePause } }, headers: [H.location, H.idempotencyKey] })
  @ApiJsonResponse(200, { description: 'An idempotent replay.', schema: LS.pause, examples: { replayed: { summary: 'Replay', value: examplePause } }, headers: [H.location, H.idempotencyKey, H.idempotentReplayed] })
  @OperatorProblems()
  @IdempotencyConflict('request body, reason or ticket')
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('rate-limiter', true)
  async createPause(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(CreatePauseRequest)) body: CreatePauseRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PauseView> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const reply = await this.limits.createPause(tenant, body, operator, key);
    res.setHeader('Idempotency-Key', key);
    res.location(`/api/v1/limits/pauses/${reply.value.id}`);
    if (reply.replayed) res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    else res.status(201);
    return reply.value;
  }

  @Delete('limits/pauses/:id')
  @RequireScopes(Scopes.quota)
  @OperatorAction({ ticket: 'required' })
  @ApiOperation({ operationId: 'deletePause', summary: 'Resume: remove a pause', description: 'The held jobs are offered again at once. Operator action (reason and ticket), audited.' })
  @ApiParam({ name: 'id', description: 'The pause id.', schema: { type: 'string' }, example: examplePause.id })
  @ApiJsonResponse(200, { description: 'Removed.', schema: LS.pauseDeleted, examples: { deleted: { summary: 'Resumed', value: { deleted: true, id: examplePause.id } } } })
  @OperatorProblems()
  @ApiProblemResponse(404, { description: "No such pause in the caller's tenant.", examples: { not_found: { code: 'not_found', detail: `pause ${examplePause.id} not found` } } })
  @Unavailable('rate-limiter', false)
  deletePause(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext): Promise<{ deleted: true; id: string }> {
    return this.limits.deletePause(tenant, id, operator);
  }

  @Get('quotas/remaining')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getQuotaRemaining', summary: 'What is left of the quotas', description: 'For every quota applying to a job of this type (and project, source): limit, used, remaining and reset time per figure.' })
  @ApiQuery({ name: 'jobType', required: true, description: 'The job type asked about.', schema: { type: 'string' } })
  @ApiQuery({ name: 'project', required: false, description: 'The project (quotas matching a project apply only when given).', schema: { type: 'string' } })
  @ApiQuery({ name: 'source', required: false, description: 'The upstream source.', schema: { type: 'string' } })
  @ApiJsonResponse(200, {
    description: 'The figures.',
    schema: LS.quotaRemaining,
    examples: {
      remaining: {
        summary: 'A daily quota',
        value: { quotas: [{ ruleId: 'daily-quota', key: 'acme:daily-quota|tenant=acme|jobType=nvd.sync', active: { limit: 20, used: 3, remaining: 17, resetAt: null }, hour: null, day: { limit: 5000, used: 812, remaining: 4188, resetAt: '2026-11-24T00:00:00.000Z' } }] },
      },
    },
  })
  @BadQuery('invalid quota query', 'jobType', 'jobType is required')
  @Unavailable('rate-limiter', false)
  quotaRemaining(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<QuotaRemainingResult> {
    return this.limits.quotaRemaining(tenant, parseQuotaRemainingQuery(query));
  }
}
