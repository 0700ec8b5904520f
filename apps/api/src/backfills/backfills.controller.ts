import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { BackfillAction, BackfillView, CreateBackfillRequest, LimitsOperatorContext, OperatorContext, Scopes } from '@orch/contracts';
import { BACKFILL_MAX_SLICES } from '@orch/domain';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { noBodyActionKey } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { BadQuery, BodyTooLarge, IdempotencyConflict, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { parseListRunsQuery } from '../runs/runs.params';
import { BACKFILL_EXAMPLE_ID, BACKFILL_SCHEMAS as BS, backfillExample, createBackfillExample, dryRunExample } from './backfills.schema';
import { BackfillControlled, BackfillCreated, BackfillDryRun, BackfillPage, BackfillsService } from './backfills.service';

const H = OpenApiRefs.headers;

const TICKET_MISSING = { summary: 'No X-Orch-Ticket', code: 'validation_failed', detail: 'X-Orch-Ticket is required', errors: [{ path: 'X-Orch-Ticket', message: 'X-Orch-Ticket is required' }] };

const IdParam = () => ApiParam({ name: 'id', description: 'The backfill id (UUID).', schema: { type: 'string', format: 'uuid' }, example: BACKFILL_EXAMPLE_ID });

const NotFound = () =>
  ApiProblemResponse(404, {
    description: "No such backfill in the caller's tenant. A malformed id, an unknown id and another tenant's backfill are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `backfill ${BACKFILL_EXAMPLE_ID} not found` } },
  });

/** The operator's context with its ticket: `@OperatorAction({ ticket: 'required' })` guarantees one. */
const ticketed = (operator: OperatorContext): LimitsOperatorContext => ({ ...operator, ticket: operator.ticket! });

/**
 * `/api/v1/backfills`: backfills of the caller's tenant (docs/backfills.md). Creating and
 * controlling need `orch:backfill` with `X-Orch-Reason` and `X-Orch-Ticket`; reading `orch:read`.
 */
@ApiTags('backfills')
@Controller('api/v1/backfills')
export class BackfillsController {
  constructor(private readonly backfills: BackfillsService) {}

  @Post()
  @RequireScopes(Scopes.backfill)
  @OperatorAction({ ticket: 'required' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'createBackfill',
    summary: 'Create a backfill (or plan one: dryRun)',
    description:
      'Cuts the event-time window `[from, to)` into slices of `slice` (fixed-length ISO 8601, default `PT1H`, at least `PT1M`, ' +
      `${BACKFILL_MAX_SLICES.toLocaleString('en-US')} slices at most) for \`source\` and \`jobType\`. A slice ending at or before the source's watermark is skipped (\`watermark\`), and so is ` +
      'a slice whose whole window jobs not failed, canceled or timed out already cover (`covered_by_jobs`, live jobs with a `window` and earlier backfills alike). ' +
      '`dryRun: true` answers 200 with every slice, the counts and the estimated duration under the limits in force, and writes nothing. ' +
      'A real run creates the backfill and one job per remaining slice in one ledger transaction (payload = `payload` plus `window`), queued at `priority` ' +
      '(default 2, below live work) under the same rate limits, quotas and fair sharing as every job; a job never runs while one of the same source and job type ' +
      'with an overlapping window is running. Posting the same window again creates no job (the first one\'s jobs cover it). ' +
      'Operator action: `orch:backfill`, `X-Orch-Reason` and `X-Orch-Ticket`, audited as `backfill.create`. Same Idempotency-Key and body again: 200, `Idempotent-Replayed: true`.',
  })
  @ApiJsonBody(CreateBackfillRequest.name, {
    day: { summary: 'Refetch one day hour by hour', value: createBackfillExample },
    dryRun: { summary: 'Plan it first', value: { ...createBackfillExample, dryRun: true } },
  })
  @ApiJsonResponse(201, { description: 'Created. `Location` is the backfill.', schema: BS.created, examples: { created: { summary: 'A day, 6 hours already covered', value: { created: true, backfill: backfillExample } } }, headers: [H.location, H.idempotencyKey] })
  @ApiJsonResponse(200, {
    description: 'A dry run (`BackfillDryRun`), or an idempotent replay of this key and body (`BackfillCreated`, `Idempotent-Replayed: true`).',
    schema: { oneOf: [{ $ref: `#/components/schemas/${BS.dryRun}` }, { $ref: `#/components/schemas/${BS.created}` }] },
    examples: { dryRun: { summary: 'A dry run', value: dryRunExample }, replayed: { summary: 'The same key and body again', value: { created: false, backfill: backfillExample } } },
    headers: [H.idempotencyKey],
  })
  @ApiProblemResponse(400, {
    description: 'An invalid body (`validation_failed`: `slice` not a fixed-length duration, `to` not after `from`, too many slices, …), no `X-Orch-Reason` or `X-Orch-Ticket`, or no tenant chosen.',
    examples: { reason: REASON_MISSING, ticket: TICKET_MISSING, slice: { summary: 'A calendar slice', code: 'validation_failed', detail: 'request body: slice: slice must be a fixed-length ISO 8601 duration such as PT1H, PT15M or P1D (weeks, days, hours, minutes, seconds; no years or months)' } },
  })
  @ApiProblemResponse(403, { description: 'The token lacks `orch:backfill` or the chosen tenant.', examples: { scope: { code: 'forbidden', detail: 'this operation requires scope orch:backfill' } } })
  @IdempotencyConflict()
  @BodyTooLarge(true)
  @NotJson()
  @Unavailable('ledger-writer or rate-limiter', true)
  async create(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(CreateBackfillRequest)) body: CreateBackfillRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BackfillDryRun | BackfillCreated> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const result = await this.backfills.create(tenant, body, ticketed(operator), key);
    res.setHeader('Idempotency-Key', key);
    if ('dryRun' in result) res.status(200);
    else if (result.created) res.status(201).location(`/api/v1/backfills/${result.backfill.id}`);
    else res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return result;
  }

  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'listBackfills', summary: "List the tenant's backfills", description: 'Newest first, each with its progress. Cursor pagination: `page_size` (default 50, at most 500) and `page_token`.' })
  @ApiPageQuery()
  @ApiJsonResponse(200, { description: 'A page of backfills.', schema: BS.page, examples: { page: { summary: 'One page, the last', value: { items: [backfillExample], next_page_token: null } } } })
  @BadQuery('invalid list query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('the ledger database', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<BackfillPage> {
    return this.backfills.list(tenant, parseListRunsQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getBackfill', summary: 'Get a backfill and its progress', description: 'Its request, status, jobs by status, progress and the source\'s watermark.' })
  @IdParam()
  @ApiJsonResponse(200, { description: 'The backfill.', schema: BS.backfill, examples: { active: { summary: 'Half way', value: backfillExample } } })
  @NotFound()
  @Unavailable('the ledger database', false)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<BackfillView> {
    return this.backfills.get(tenant, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScopes(Scopes.backfill)
  @OperatorAction({ ticket: 'required' })
  @ControlDocs('pause', 'Pause a backfill', 'Its jobs not yet admitted wait `throttled` (`backfill_paused`) until it is resumed; running ones go on. Audited as `backfill.pause`.')
  pause(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext, @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.control(tenant, id, 'pause', operator, key, req, res);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes(Scopes.backfill)
  @OperatorAction({ ticket: 'required' })
  @ControlDocs('resume', 'Resume a paused backfill', 'Its held jobs are admitted again on the scheduler\'s next pass (within a second). Audited as `backfill.resume`.')
  resume(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext, @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.control(tenant, id, 'resume', operator, key, req, res);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes(Scopes.backfill)
  @OperatorAction({ ticket: 'required' })
  @ControlDocs(
    'cancel',
    'Cancel a backfill',
    'Ends every unfinished job of it in one ledger transaction like a run cancel: pending, queued and throttled ones at once, leased and running ones by request ' +
      '(their workers are told and get the grace period). Finished jobs stay. Audited as `backfill.cancel`; a canceled backfill cannot be paused or resumed.',
  )
  cancel(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext, @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.control(tenant, id, 'cancel', operator, key, req, res);
  }

  private control(tenant: string, id: string, action: BackfillAction, operator: OperatorContext, idempotencyKey: string | undefined, req: Request, res: Response): Promise<BackfillControlled> {
    const key = noBodyActionKey(req, idempotencyKey);
    res.setHeader('Idempotency-Key', key);
    return this.backfills.control(tenant, id, action, ticketed(operator), key);
  }
}

/** The shared OpenAPI description of pause, resume and cancel. */
function ControlDocs(action: BackfillAction, summary: string, description: string): MethodDecorator {
  const decorators = [
    ApiOperation({ operationId: `${action}Backfill`, summary, description: `${description} Operator action (\`orch:backfill\`, \`X-Orch-Reason\`, \`X-Orch-Ticket\`); takes no body. A retry with the same Idempotency-Key answers the first result.` }),
    IdParam(),
    ApiJsonResponse(200, { description: 'What the call did, and the backfill as it is now.', schema: BS.controlled, examples: { done: { summary: `${action}d`, value: { backfillId: BACKFILL_EXAMPLE_ID, state: action === 'resume' ? 'active' : action === 'pause' ? 'paused' : 'canceled', changed: true, backfill: backfillExample } } }, headers: [H.idempotencyKey] }),
    ApiProblemResponse(400, { description: 'No (or a too long) `X-Orch-Reason` or `X-Orch-Ticket`, a body with fields, a malformed Idempotency-Key, or no tenant chosen.', examples: { reason: REASON_MISSING, ticket: TICKET_MISSING } }),
    NotFound(),
    ...(action === 'cancel' ? [] : [ApiProblemResponse(409, { description: 'The backfill is canceled (`invalid_transition`), or the Idempotency-Key was used with another request.', examples: { canceled: { code: 'invalid_transition', detail: `backfill ${BACKFILL_EXAMPLE_ID} is canceled: it cannot be ${action}d` } } })]),
    ...(action === 'cancel' ? [IdempotencyConflict('backfill, reason or ticket')] : []),
    Unavailable('ledger-writer', true),
  ];
  return (target, key, descriptor) => {
    for (const d of decorators) (d as MethodDecorator)(target, key, descriptor);
  };
}
