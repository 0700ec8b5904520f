import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { OperatorContext, RunLimits, RunView, Scopes, SubmitRunRequest, SubmitRunResult } from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { noBodyActionKey } from '../http/no-body';
import { BadQuery, BodyTooLarge, IdempotencyConflict, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { S } from '../openapi-schemas';
import { cancelRunExample, RUN_EXAMPLE_ID, runViewExample, submitRunExample, submitRunResultExample } from './runs.examples';
import { parseListRunsQuery } from './runs.params';
import { CancelRunView, RunPage, RunsService } from './runs.service';

const H = OpenApiRefs.headers;

/**
 * `/api/v1/runs`: DAG runs of the caller's tenant (docs/runs.md). Submitting
 * needs `orch:operate`, reading `orch:read`.
 */
@ApiTags('runs')
@Controller('api/v1/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  /**
   * Submits a run: its jobs (each with a `key` and optional `dependsOn`) and
   * `edges`, all created in one ledger transaction or none. 201 with `Location`;
   * 200 with `Idempotent-Replayed: true` on a replay of key and body; 409 for
   * the key with another body; 400 naming cycles, unknown parents and
   * duplicate keys.
   */
  @Post()
  @RequireScopes(Scopes.operate)
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'submitRun',
    summary: 'Submit a DAG run',
    description:
      `Creates 1 to ${RunLimits.maxJobs} jobs (at most ${RunLimits.maxEdges} dependencies) in one ledger transaction, all or none. ` +
      'Each job is validated like the body of `POST /api/v1/jobs` and has a `key` unique in the run; dependencies come from its `dependsOn` ' +
      'keys and/or `edges` (`from` parent, `to` child), merged. Jobs without parents are queued at once; the others wait `pending` ' +
      '(`waiting_parents`) and are queued in the transaction that resolves their last parent. `failurePolicy` `cancel` (default): a parent ' +
      'ending failed, canceled or timed out cancels every job downstream of it (`parent_failed`); `continue`: it counts as resolved. ' +
      'A cycle, an unknown parent or a duplicate key is 400 naming them. One `Idempotency-Key` covers the run; each job\'s is `<run key>#<job key>`.',
  })
  @ApiJsonBody(S.submitRun, { diamond: { summary: 'A diamond: fetch, then parse and enrich, then publish', value: submitRunExample } })
  @ApiJsonResponse(201, {
    description: 'Created. `Location` is the run.',
    schema: S.runSubmitted,
    examples: { created: { summary: 'A new diamond run', value: submitRunResultExample } },
    headers: [H.location, H.idempotencyKey],
  })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key and body: the run it created, its jobs with their current states, and `Idempotent-Replayed: true`.',
    schema: S.runSubmitted,
    examples: { replayed: { summary: 'A replay of the same key and body', value: { ...submitRunResultExample, created: false } } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @ApiProblemResponse(400, {
    description:
      'The body is not valid (`validation_failed`; `errors` names each problem: `jobs.3.jobType`, `jobs.2.dependsOn` for an unknown parent, `jobs.1.key` for a ' +
      'duplicate key, `jobs` for a cycle, `edges.0.to`), the body is not JSON, or no tenant was chosen.',
    examples: {
      cycle: {
        summary: 'A cycle',
        code: 'validation_failed',
        detail: "the run's dependency graph is not valid: cycle parse → publish → parse",
        errors: [{ path: 'jobs', message: 'cycle parse → publish → parse (jobs in the cycle: parse, publish)' }],
      },
      unknown_parent: {
        summary: 'An unknown parent',
        code: 'validation_failed',
        detail: 'the run\'s dependency graph is not valid: job "parse" depends on "fetch-all", which is not a job of this run',
        errors: [{ path: 'jobs.1.dependsOn', message: 'job "parse" depends on "fetch-all", which is not a job of this run' }],
      },
      too_many: {
        summary: 'Too many jobs',
        code: 'validation_failed',
        detail: `request body: jobs: a run holds at most ${RunLimits.maxJobs} jobs`,
        errors: [{ path: 'jobs', message: `a run holds at most ${RunLimits.maxJobs} jobs` }],
      },
    },
  })
  @ApiProblemResponse(403, {
    description: 'The token lacks `orch:operate` or the chosen tenant, or a job names another tenant (`forbidden`).',
    examples: { scope: { code: 'forbidden', detail: 'this operation requires scope orch:operate' } },
  })
  @IdempotencyConflict()
  @BodyTooLarge(true)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async submit(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(SubmitRunRequest)) body: SubmitRunRequest,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SubmitRunResult> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const result = await this.runs.submit(tenant, body, key);
    res.setHeader('Idempotency-Key', key);
    if (result.created) res.status(201).location(`/api/v1/runs/${result.run.id}`);
    else res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return result;
  }

  /** The tenant's runs, newest first; `next_page_token` is null on the last page. */
  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listRuns',
    summary: "List the tenant's runs",
    description: 'Newest first, each with its aggregate status. Cursor pagination: `page_size` (default 50, at most 500) and `page_token` from `next_page_token`.',
  })
  @ApiPageQuery()
  @ApiJsonResponse(200, {
    description: 'A page of runs.',
    schema: S.runPage,
    examples: { page: { summary: 'One page, the last', value: { items: [{ ...submitRunResultExample.run, status: 'running' }], next_page_token: null } } },
  })
  @BadQuery('invalid list query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('the ledger database', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<RunPage> {
    return this.runs.list(tenant, parseListRunsQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'getRun',
    summary: 'Get a DAG run',
    description: 'The run with its aggregate status, its jobs (request order) with their states and parents, its edges, and its critical path.',
  })
  @ApiParam({ name: 'id', description: 'The run id (UUID).', schema: { type: 'string', format: 'uuid' }, example: RUN_EXAMPLE_ID })
  @ApiJsonResponse(200, { description: 'The run.', schema: S.run, examples: { running: { summary: 'A run half done', value: runViewExample } } })
  @ApiProblemResponse(404, {
    description: "No such run in the caller's tenant. A malformed id, an unknown id and another tenant's run are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `run ${RUN_EXAMPLE_ID} not found`, instance: `/api/v1/runs/${RUN_EXAMPLE_ID}` } },
  })
  @Unavailable('the ledger database', false)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<RunView> {
    return this.runs.get(tenant, id);
  }

  /**
   * Cancels every unfinished job of the run (operator action: `X-Orch-Reason` required,
   * `X-Orch-Ticket` optional, audited as `run.cancel`). Takes no body.
   */
  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @ApiOperation({
    operationId: 'cancelRun',
    summary: 'Cancel a DAG run',
    description:
      'Cancels every unfinished job of the run in one ledger transaction: pending, queued and throttled jobs end `canceled` at once; leased and running ' +
      'jobs get a cancel request and a grace period (their workers are told, as for `POST /api/v1/jobs/{id}/cancel`) and end `canceled` when they stop. ' +
      'Finished jobs stay as they are. Operator action (`X-Orch-Reason`, `X-Orch-Ticket` optional), audited once as `run.cancel`. Takes no body. ' +
      'A retry with the same `Idempotency-Key` answers the first result; cancelling again changes nothing (`changed: false`).',
  })
  @ApiParam({ name: 'id', description: 'The run id (UUID).', schema: { type: 'string', format: 'uuid' }, example: RUN_EXAMPLE_ID })
  @ApiJsonResponse(200, {
    description: 'What the call canceled or asked to cancel, and the run as it is now.',
    schema: S.runCanceled,
    examples: { canceled: { summary: 'A run canceled half way', value: cancelRunExample } },
    headers: [H.idempotencyKey],
  })
  @ApiProblemResponse(400, {
    description: 'No (or a too long) `X-Orch-Reason`, a body with fields, a malformed Idempotency-Key (`validation_failed`), or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING },
  })
  @ApiProblemResponse(404, {
    description: "No such run in the caller's tenant. A malformed id, an unknown id and another tenant's run are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `run ${RUN_EXAMPLE_ID} not found` } },
  })
  @IdempotencyConflict('run, reason or ticket')
  @Unavailable('ledger-writer', true)
  async cancel(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelRunView> {
    const key = noBodyActionKey(req, idempotencyKey);
    res.setHeader('Idempotency-Key', key);
    return this.runs.cancel(tenant, id, operator, key);
  }

  /**
   * Replays a finished run as a new run with `replayOf` (operator action: `X-Orch-Reason`
   * required, `X-Orch-Ticket` optional, audited as `run.replay`). Takes no body.
   */
  @Post(':id/replay')
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @ApiOperation({
    operationId: 'replayRun',
    summary: 'Replay a finished DAG run',
    description:
      'Creates a new run with `replayOf` = this run: the same jobs (key, project, job type, source, payload, priority, maxAttempts) with the same ' +
      'dependencies and failure policy, each with `replayOf` = the job it replays, resolved like any run under the same limits. Only a run whose ' +
      'jobs have all finished can be replayed (409 otherwise). Operator action, audited as `run.replay` on the original run. Takes no body. ' +
      'Same Idempotency-Key again: 200 with `Idempotent-Replayed: true` and the run it created.',
  })
  @ApiParam({ name: 'id', description: 'The run id (UUID).', schema: { type: 'string', format: 'uuid' }, example: RUN_EXAMPLE_ID })
  @ApiJsonResponse(201, {
    description: 'The replay run, created. `Location` is the new run.',
    schema: S.runSubmitted,
    examples: { created: { summary: 'A replay of the diamond', value: { ...submitRunResultExample, run: { ...submitRunResultExample.run, replayOf: RUN_EXAMPLE_ID } } } },
    headers: [H.location, H.idempotencyKey],
  })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key: the run it created, its jobs with their current states, and `Idempotent-Replayed: true`.',
    schema: S.runSubmitted,
    examples: { replayed: { summary: 'Same key again', value: { ...submitRunResultExample, created: false } } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @ApiProblemResponse(400, {
    description: 'No (or a too long) `X-Orch-Reason`, a body with fields, a malformed Idempotency-Key (`validation_failed`), or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING },
  })
  @ApiProblemResponse(404, {
    description: "No such run in the caller's tenant. A malformed id, an unknown id and another tenant's run are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `run ${RUN_EXAMPLE_ID} not found` } },
  })
  @ApiProblemResponse(409, {
    description: 'A job of the run has not finished (`invalid_transition`), or the Idempotency-Key was used for another run, reason or ticket (`idempotency_conflict`); nothing changed.',
    examples: { not_finished: { code: 'invalid_transition', detail: `run ${RUN_EXAMPLE_ID} cannot be replayed: 2 of its jobs have not finished yet` } },
  })
  @Unavailable('ledger-writer', true)
  async replay(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SubmitRunResult> {
    const key = noBodyActionKey(req, idempotencyKey);
    const result = await this.runs.replay(tenant, id, operator, key);
    res.setHeader('Idempotency-Key', key);
    if (result.created) res.status(201).location(`/api/v1/runs/${result.run.id}`);
    else res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return result;
  }
}
