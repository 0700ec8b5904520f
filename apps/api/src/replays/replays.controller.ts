import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import {
  BulkDeadLetterResult,
  BulkReplayRequest,
  DeadLetterDetail,
  DeadLetterLimits,
  DeadLetterStats,
  OperatorContext,
  PurgeDeadLettersRequest,
  ReplayJobRequest,
  ReplayJobResult,
  Scopes,
} from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { ApiJobIdParam, BadQuery, BodyTooLarge, IdempotencyConflict, JobNotFound, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { EXAMPLE_JOB_ID, exampleJob } from '../openapi-examples';
import { parseDeadLetterStatsQuery, parseListDeadLettersQuery } from './dead-letters.params';
import { bulkDryRunExample, bulkReplayExample, deadLetterStatsExample, exampleDeadLetter, purgeExample, REPLAY_SCHEMAS as RS, replayJobExample } from './replays.schema';
import { DeadLetterPage, ReplaysService } from './replays.service';

const H = OpenApiRefs.headers;

const OperatorBodyProblems = (what: string) =>
  ApiProblemResponse(400, {
    description: `No (or a too long) \`X-Orch-Reason\`, an invalid ${what} (\`validation_failed\`, each problem in \`errors\`), or no tenant chosen (\`tenant_required\`).`,
    examples: { reason: REASON_MISSING },
  });

/** Sets the Idempotency-Key (and, on a replay of the key, `Idempotent-Replayed`) of an answer. */
function idempotencyHeaders(res: Response, key: string, replayed: boolean): void {
  res.setHeader('Idempotency-Key', key);
  if (replayed) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
}

const filterDescription =
  '`filter` selects dead letters by `project`, `jobType`, `errorCode` and a `from`/`to` window of when they were dead-lettered (every field narrows it; `{}` selects all). ' +
  `At most \`limit\` (default and maximum ${DeadLetterLimits.bulkMax}) are taken, oldest first; call again for more.`;

/**
 * `POST /api/v1/jobs/{id}/replay`: a finished job again, as a new job with `replayOf`
 * (orch:operate, `X-Orch-Reason`, audited).
 */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobReplayController {
  constructor(private readonly replays: ReplaysService) {}

  @Post(':id/replay')
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'replayJob',
    summary: 'Replay a finished job',
    description:
      'Creates a new job with `replayOf` = this job: the same project, job type, source and maxAttempts, the original payload (or `payload`, an explicit ' +
      'edit recorded whole in the audit entry) and priority (or `priority`), queued at once under the same limits, quotas and fair sharing as any job. ' +
      'Only a finished job (succeeded, failed, canceled, timed out) can be replayed: 409 while it is pending, queued, throttled, leased or running. ' +
      'A replayed dead letter records its replay (`replayedAs`). The body may be `{}`. Operator action (`X-Orch-Reason`, `X-Orch-Ticket` optional), audited as `job.replay`. ' +
      'Same Idempotency-Key and request again: 200 with `Idempotent-Replayed: true` and the same replay.',
  })
  @ApiJobIdParam()
  @ApiJsonBody(ReplayJobRequest.name, {
    asIs: { summary: 'Replay as it was', value: {} },
    edited: { summary: 'With a corrected payload and a higher priority', value: { payload: { feed: 'cve-2026', since: '2026-12-01' }, priority: 8 } },
  })
  @ApiJsonResponse(201, { description: 'The replay, queued. `Location` is the new job.', schema: RS.replayed, examples: { created: { summary: 'Replayed', value: replayJobExample } }, headers: [H.location, H.idempotencyKey] })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key and request: the replay it made, as it is now.',
    schema: RS.replayed,
    examples: { replayed: { summary: 'Same key again', value: replayJobExample } },
    headers: [H.location, H.idempotencyKey, H.idempotentReplayed],
  })
  @OperatorBodyProblems('body')
  @JobNotFound()
  @ApiProblemResponse(409, {
    description: 'The job has not finished (`invalid_transition`), or the Idempotency-Key was used with another request (`idempotency_conflict`); nothing changed.',
    examples: {
      not_finished: { code: 'invalid_transition', detail: `job ${EXAMPLE_JOB_ID} cannot be replayed: it has not finished yet` },
      idempotency_conflict: { code: 'idempotency_conflict', detail: 'Idempotency-Key replay-1 was used with a different request' },
    },
  })
  @BodyTooLarge(true)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async replay(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @Body(new ValidatedPlainPipe(ReplayJobRequest)) body: ReplayJobRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReplayJobResult> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const { result, created } = await this.replays.replayJob(tenant, id, body, operator, key);
    idempotencyHeaders(res, key, !created);
    res.status(created ? 201 : 200).location(`/api/v1/jobs/${result.job.id}`);
    return result;
  }
}

/**
 * `/api/v1/dead-letters`: the tenant's jobs that ended for good — list, inspect, stats with
 * top-error clustering (orch:read); replay and purge in bulk by filter, each with a dry run
 * first (orch:operate, `X-Orch-Reason`, audited).
 */
@ApiTags('dead-letters')
@Controller('api/v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly replays: ReplaysService) {}

  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listDeadLetters',
    summary: "List the tenant's dead letters",
    description: 'Newest first. Filters: `project`, `jobType`, `errorCode`, `from` (inclusive) / `to` (exclusive) on when they were dead-lettered, `replayed` (`true`|`false`). Cursor pagination.',
  })
  @ApiQuery({ name: 'project', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'jobType', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'errorCode', required: false, schema: { type: 'string' }, example: 'upstream_503' })
  @ApiQuery({ name: 'from', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'replayed', required: false, description: '`false`: only open ones (never replayed); `true`: only replayed ones.', schema: { type: 'string', enum: ['true', 'false'] } })
  @ApiPageQuery()
  @ApiJsonResponse(200, { description: 'A page of dead letters.', schema: RS.deadLetterPage, examples: { page: { summary: 'One page', value: { items: [exampleDeadLetter], next_page_token: null } } } })
  @BadQuery('invalid dead-letter query', 'replayed', 'replayed must be true or false')
  @Unavailable('the ledger database', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<DeadLetterPage> {
    return this.replays.list(tenant, parseListDeadLettersQuery(query));
  }

  @Get('stats')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'deadLetterStats',
    summary: 'Dead-letter counts and top errors',
    description:
      'Counts (total, open, replayed) per job type and per reason, and the largest clusters of open dead letters: errors with the same code and message shape ' +
      '(ids, numbers and quoted values replaced), with their job types, time span and sample jobs. Filters: `project`, `jobType`, `from`, `to`.',
  })
  @ApiQuery({ name: 'project', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'jobType', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'from', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiJsonResponse(200, { description: 'The stats.', schema: RS.deadLetterStats, examples: { stats: { summary: 'An upstream outage', value: deadLetterStatsExample } } })
  @BadQuery('invalid dead-letter stats query', 'from', 'from must be an ISO 8601 date-time with a time zone, e.g. 2026-11-23T10:00:00Z')
  @Unavailable('the ledger database', false)
  stats(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<DeadLetterStats> {
    return this.replays.stats(tenant, parseDeadLetterStatsQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getDeadLetter', summary: 'Inspect a dead letter', description: 'The dead letter and its job as it is now (payload, last error, attempts).' })
  @ApiParam({ name: 'id', description: 'The job id (UUID).', schema: { type: 'string', format: 'uuid' }, example: EXAMPLE_JOB_ID })
  @ApiJsonResponse(200, {
    description: 'The dead letter and its job.',
    schema: RS.deadLetterDetail,
    examples: { detail: { summary: 'A dead letter', value: { deadLetter: exampleDeadLetter, job: exampleJob({ status: 'failed', statusReason: 'attempts_exhausted', attempt: 5 }) } } },
  })
  @ApiProblemResponse(404, {
    description: "No such dead letter in the caller's tenant (a job that is not in the set, a malformed id and another tenant's job are answered alike).",
    examples: { not_found: { code: 'not_found', detail: `dead letter ${EXAMPLE_JOB_ID} not found` } },
  })
  @Unavailable('the ledger database', false)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<DeadLetterDetail> {
    return this.replays.get(tenant, id);
  }

  @Post('replay')
  @HttpCode(200)
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'replayDeadLetters',
    summary: 'Replay dead letters in bulk',
    description:
      `${filterDescription} Only open dead letters (never replayed) are taken: each becomes a new job with \`replayOf\`, its original payload and priority ` +
      '(or `priority`), queued under the same limits, quotas and fair sharing as live traffic. `dryRun: true` answers how many would be replayed and the first ids, ' +
      'changing nothing — the real call then takes the same ones unless the set changed meanwhile. Operator action, one `job.replay` audit entry per replay. ' +
      'Same Idempotency-Key and request again: the first call\'s replays, with `Idempotent-Replayed: true`.',
  })
  @ApiJsonBody(BulkReplayRequest.name, {
    dryRun: { summary: 'Count first', value: { filter: { jobType: 'nvd.sync', errorCode: 'upstream_503' }, dryRun: true } },
    replay: { summary: 'Then replay them, at a lower priority', value: { filter: { jobType: 'nvd.sync', errorCode: 'upstream_503' }, priority: 2 } },
  })
  @ApiJsonResponse(200, {
    description: 'What was (or, `dryRun`, would be) replayed.',
    schema: RS.bulkResult,
    examples: { dryRun: { summary: 'Dry run', value: bulkDryRunExample }, replayed: { summary: 'Real run', value: bulkReplayExample } },
    headers: [H.idempotencyKey],
  })
  @OperatorBodyProblems('body (e.g. an unknown filter field)')
  @IdempotencyConflict('request body, reason or ticket')
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async bulkReplay(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(BulkReplayRequest)) body: BulkReplayRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BulkDeadLetterResult> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const { result, replayed } = await this.replays.bulkReplay(tenant, body, operator, key);
    idempotencyHeaders(res, key, replayed);
    return result;
  }

  @Post('purge')
  @HttpCode(200)
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'purgeDeadLetters',
    summary: 'Purge dead letters in bulk',
    description:
      `${filterDescription} The selected dead letters leave the set; their jobs, ledger events and audit stay. \`dryRun: true\` answers what would go. ` +
      'Operator action, one `dead_letter.purge` audit entry per dead letter (holding what was removed).',
  })
  @ApiJsonBody(PurgeDeadLettersRequest.name, {
    dryRun: { summary: 'Count first', value: { filter: { jobType: 'demo.fail', to: '2026-12-01T00:00:00Z' }, dryRun: true } },
    purge: { summary: 'Then purge them', value: { filter: { jobType: 'demo.fail', to: '2026-12-01T00:00:00Z' } } },
  })
  @ApiJsonResponse(200, {
    description: 'What was (or, `dryRun`, would be) purged.',
    schema: RS.bulkResult,
    examples: { dryRun: { summary: 'Dry run', value: { ...bulkDryRunExample, matched: 1 } }, purged: { summary: 'Real run', value: purgeExample } },
    headers: [H.idempotencyKey],
  })
  @OperatorBodyProblems('body')
  @IdempotencyConflict('request body, reason or ticket')
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async purge(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(PurgeDeadLettersRequest)) body: PurgeDeadLettersRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BulkDeadLetterResult> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const { result, replayed } = await this.replays.purge(tenant, body, operator, key);
    idempotencyHeaders(res, key, replayed);
    return result;
  }
}
