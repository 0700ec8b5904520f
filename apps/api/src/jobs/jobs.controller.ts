import { Body, Controller, Get, Headers, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@orch/auth';
import { JOB_STATUSES, JobView, LedgerEventView, Scopes, SubmitJobRequest } from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { eventsExample, jobExamples, jobPageExamples, logsExample, submitExamples } from '../openapi-examples';
import { ApiCreatedRangeQuery, ApiJobIdParam, BadQuery, BodyTooLarge, IdempotencyConflict, JobNotFound, NotJson, Unavailable } from '../openapi-decorators';
import { S } from '../openapi-schemas';
import { JobLogItem, JobLogsReader } from './job-logs.reader';
import { LOGS_LIMIT_DEFAULT, LOGS_LIMIT_MAX, parseListJobsQuery, parseLogsQuery } from './jobs.params';
import { JobPage, JobsService } from './jobs.service';

const H = OpenApiRefs.headers;

/**
 * `/api/v1/jobs`: submit, get, list, events and logs of the caller's tenant's
 * jobs. Reads need `orch:read`; submitting needs `orch:operate` (ADR 0006).
 */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly logReader: JobLogsReader,
  ) {}

  /**
   * Submits a job: 201 with `Location` when created; 200 with
   * `Idempotent-Replayed: true` and the same job when the `Idempotency-Key` and
   * body were seen before; 409 when the key came with another body. Without a
   * key the api makes one (returned in the `Idempotency-Key` response header),
   * so a client that retries without sending a key may create duplicates.
   * The job belongs to the token's tenant; a body naming another one is 403.
   */
  @Post()
  @RequireScopes(Scopes.operate)
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'submitJob',
    summary: 'Submit a job',
    description:
      'Creates a job of the token\'s tenant: `queued`, or `pending` when `runAt` is in the future. Send an `Idempotency-Key`: ' +
      'the same key with the same body answers 200 with `Idempotent-Replayed: true` and the job it created (nothing new is created); ' +
      'the same key with another body is 409 `idempotency_conflict`. Without a key the api makes one (returned in `Idempotency-Key`), ' +
      'so a blind retry may create a duplicate. The body may name `tenant` only if it is the token\'s (403 otherwise).',
  })
  @ApiJsonBody(S.submitJob, submitExamples)
  @ApiJsonResponse(201, {
    description: 'Created. `Location` is the job, `Idempotency-Key` the key it was recorded under.',
    schema: S.job,
    examples: { created: jobExamples.queued },
    headers: [H.location, H.idempotencyKey],
  })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay: this key and body were submitted before; the answer is that job as it is now, with `Idempotent-Replayed: true`.',
    schema: S.job,
    examples: { replayed: { summary: 'Replay of the same key and body: the job as it is now', value: jobExamples.running.value } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @ApiProblemResponse(400, {
    description: 'The body is not valid (`validation_failed`, each problem in `errors`) or not JSON (`decode_failed`), the Idempotency-Key is malformed, or a multi-tenant token sent no `X-Orch-Tenant` (`tenant_required`).',
    examples: {
      validation_failed: {
        code: 'validation_failed',
        detail: 'request body: jobType: jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
        errors: [{ path: 'jobType', message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }],
      },
      decode_failed: { code: 'decode_failed', detail: 'request body is not valid JSON: Unexpected token } in JSON at position 42' },
      tenant_required: { code: 'tenant_required', detail: 'the token lists several tenants: choose one with the X-Orch-Tenant header' },
    },
  })
  @ApiProblemResponse(403, {
    description: 'The token lacks `orch:operate` or the chosen tenant, or the body names another tenant (`forbidden`).',
    examples: {
      scope: { code: 'forbidden', detail: 'this operation requires scope orch:operate' },
      tenant: { code: 'forbidden', detail: "the body's tenant is not the tenant of the token; omit it or send the token's tenant", errors: [{ path: 'tenant', message: 'tenant must be the tenant of the token (or be omitted)' }] },
    },
  })
  @IdempotencyConflict()
  @BodyTooLarge(true)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async submit(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(SubmitJobRequest)) body: SubmitJobRequest,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobView> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const { created, job } = await this.jobs.submit(tenant, body, key);
    res.setHeader('Idempotency-Key', key);
    if (created) res.status(201).location(`/api/v1/jobs/${job.id}`);
    else res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return job;
  }

  /** The tenant's jobs, newest first; `next_page_token` is null on the last page. */
  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listJobs',
    summary: "List the tenant's jobs",
    description:
      'Newest first, in a stable order. Cursor pagination: `page_size` (default 50, at most 500); the answer\'s `next_page_token` goes back as `page_token` ' +
      'for the next page and is null on the last one. Filters (exact matches) combine.',
  })
  @ApiQuery({ name: 'status', required: false, description: 'Only jobs in this status.', schema: { type: 'string', enum: [...JOB_STATUSES] } })
  @ApiQuery({ name: 'jobType', required: false, description: 'Only jobs of this type.', schema: { type: 'string' }, example: 'nvd.sync' })
  @ApiQuery({ name: 'project', required: false, description: 'Only jobs of this project.', schema: { type: 'string' }, example: 'ingest' })
  @ApiCreatedRangeQuery()
  @ApiPageQuery()
  @ApiJsonResponse(200, { description: 'A page of jobs.', schema: S.jobPage, examples: jobPageExamples })
  @BadQuery('invalid list query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('the ledger database', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<JobPage> {
    return this.jobs.list(tenant, parseListJobsQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getJob', summary: 'Get a job', description: 'The job as the ledger holds it now.' })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The job.', schema: S.job, examples: jobExamples })
  @JobNotFound()
  @Unavailable('the ledger database', false)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<JobView> {
    return this.jobs.get(tenant, id);
  }

  /** The job's ledger events in chain order. */
  @Get(':id/events')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listJobEvents',
    summary: "A job's ledger events",
    description: 'Every ledger event of the job in chain order, with the hashes that chain it into the tenant\'s tamper-evident ledger.',
  })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The events.', schema: S.jobEvents, examples: eventsExample })
  @JobNotFound()
  @Unavailable('the ledger database', false)
  async events(@TenantId() tenant: string, @Param('id') id: string): Promise<{ items: LedgerEventView[] }> {
    return { items: await this.jobs.events(tenant, id) };
  }

  /** The job's log lines, oldest first, at most `limit` (default 1000, max 10000). */
  @Get(':id/logs')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listJobLogs',
    summary: "A job's log lines",
    description: 'Stored log lines of the job, oldest first, at most `limit`. To follow them live, use the event-notifier\'s `GET /api/v1/jobs/{id}/logs/stream`.',
  })
  @ApiJobIdParam()
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Most lines to return (default ${LOGS_LIMIT_DEFAULT}, at most ${LOGS_LIMIT_MAX}).`,
    schema: { type: 'integer', minimum: 1, maximum: LOGS_LIMIT_MAX, default: LOGS_LIMIT_DEFAULT },
  })
  @ApiJsonResponse(200, { description: 'The log lines.', schema: S.jobLogs, examples: logsExample })
  @BadQuery('invalid logs query', 'limit', `limit must be an integer from 1 to ${LOGS_LIMIT_MAX}`)
  @JobNotFound()
  @Unavailable('the logs stream', false)
  async logs(@TenantId() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<{ items: JobLogItem[] }> {
    const { limit } = parseLogsQuery(query);
    await this.jobs.mustFind(tenant, id);
    return { items: await this.logReader.read(tenant, id, limit) };
  }
}
