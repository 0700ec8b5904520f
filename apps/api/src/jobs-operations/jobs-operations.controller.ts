import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { CancelJobResult, ControlPlaneLimits, JobView, OperatorContext, Scopes } from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { noBodyActionKey } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { ApiCreatedRangeQuery, ApiJobIdParam, BadQuery, BodyTooLarge, IdempotencyConflict, JobNotFound, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { batchExamples, cancelExamples, summaryExample } from '../openapi-examples';
import { S } from '../openapi-schemas';
import { JobSummary, parseSummaryQuery } from './job-summary';
import { JobsOperationsService } from './jobs-operations.service';
import { SubmitBatchRequest } from './submit-batch.request';

const H = OpenApiRefs.headers;

/**
 * `/api/v1/jobs` operations beside the basic resource (JobsController): batch
 * submit, cancel and the summary. Registered before JobsController so that
 * `GET /jobs/summary` is not taken for `GET /jobs/:id`.
 */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsOperationsController {
  constructor(private readonly ops: JobsOperationsService) {}

  /**
   * Counts of the tenant's jobs by status, by job type and by both; optional
   * `project`, `created_after` (inclusive) and `created_before` (exclusive).
   */
  @Get('summary')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'getJobSummary',
    summary: "Count the tenant's jobs",
    description: 'Counts by status (every status, zeros included), by job type, and by both; optionally of one project and a creation time range.',
  })
  @ApiQuery({ name: 'project', required: false, description: 'Only jobs of this project.', schema: { type: 'string' }, example: 'ingest' })
  @ApiCreatedRangeQuery()
  @ApiJsonResponse(200, { description: 'The counts.', schema: S.summary, examples: summaryExample })
  @BadQuery('invalid summary query', 'created_before', 'created_before must be later than created_after')
  @Unavailable('the ledger database', false)
  summary(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<JobSummary> {
    return this.ops.summary(tenant, parseSummaryQuery(query));
  }

  /**
   * Submits 1..1000 jobs in one ledger transaction, all or none: 201 `{jobs}`
   * in item order; 200 with `Idempotent-Replayed: true` and the same jobs when
   * the key and body were seen before; 409 when the key came with another body;
   * 400 naming the item (`jobs.3.jobType`); 413 for an item's payload or a batch
   * too large for one NATS message. Without a key the api makes one (returned
   * in `Idempotency-Key`).
   */
  @Post('batch')
  @RequireScopes(Scopes.operate)
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'submitJobBatch',
    summary: 'Submit several jobs at once',
    description:
      `Creates 1 to ${ControlPlaneLimits.batchMaxJobs} jobs in one ledger transaction, all or none; each item is validated like the body of \`POST /api/v1/jobs\`. ` +
      'One `Idempotency-Key` covers the batch: the same key and body again answer 200 with `Idempotent-Replayed: true` and the same jobs; ' +
      'another body is 409. Each job\'s `idempotencyKey` is `<batch key>#<index>`.',
  })
  @ApiJsonBody(S.submitBatch, { batch: batchExamples.request })
  @ApiJsonResponse(201, { description: 'Created, in item order.', schema: S.jobBatch, examples: { created: batchExamples.created }, headers: [H.idempotencyKey] })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key and body: the jobs it created, as they are now, with `Idempotent-Replayed: true`.',
    schema: S.jobBatch,
    examples: { replayed: batchExamples.created },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @ApiProblemResponse(400, {
    description: 'An item or the batch is not valid (`validation_failed`; `errors` names the item, e.g. `jobs.3.jobType`), the body is not JSON, or no tenant was chosen.',
    examples: {
      validation_failed: {
        code: 'validation_failed',
        detail: 'request body: jobs.3.jobType: jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
        errors: [{ path: 'jobs.3.jobType', message: 'jobType must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }],
      },
      tenant_required: { code: 'tenant_required', detail: 'the token lists several tenants: choose one with the X-Orch-Tenant header' },
    },
  })
  @IdempotencyConflict()
  @BodyTooLarge(true)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async submitBatch(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(SubmitBatchRequest)) body: SubmitBatchRequest,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ jobs: JobView[] }> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const { created, jobs } = await this.ops.submitBatch(tenant, body, key);
    res.setHeader('Idempotency-Key', key);
    if (created) res.status(201);
    else res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return { jobs };
  }

  /**
   * Cancels a job (operator action: `X-Orch-Reason` required, `X-Orch-Ticket`
   * optional, both audited): 200 `{job, changed}`. Pending, queued and throttled
   * jobs end `canceled` at once; a leased or running job gets a cancel request
   * and a grace period; a terminal or already cancel-requested one is left as
   * is (`changed: false`). Another tenant's job is 404. The same key with
   * another job, reason or ticket is 409. Takes no body.
   */
  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @ApiOperation({
    operationId: 'cancelJob',
    summary: 'Cancel a job',
    description:
      'An operator action (`X-Orch-Reason` required, `X-Orch-Ticket` optional, both audited). Pending, queued and throttled jobs end ' +
      '`canceled` at once; a leased or running job gets a cancel request and a grace period (its worker is told); a terminal or ' +
      'already cancel-requested job is left as is (`changed: false`). Takes no body. A retry with the same `Idempotency-Key` answers ' +
      'the first result; the same key with another job, reason or ticket is 409.',
  })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The job as it is now, and whether this call changed it.', schema: S.cancelResult, examples: cancelExamples, headers: [H.idempotencyKey] })
  @ApiProblemResponse(400, {
    description: 'No or a too long `X-Orch-Reason`, a body with fields, a malformed Idempotency-Key (`validation_failed`), or no tenant chosen (`tenant_required`).',
    examples: {
      reason: REASON_MISSING,
      body: {
        code: 'validation_failed',
        detail: 'this action takes no body: the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket',
        errors: [{ path: 'body', message: 'this action takes no body: the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket' }],
      },
    },
  })
  @JobNotFound()
  @IdempotencyConflict('job, reason or ticket')
  @Unavailable('ledger-writer', true)
  async cancel(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelJobResult> {
    const key = noBodyActionKey(req, idempotencyKey);
    res.setHeader('Idempotency-Key', key);
    return this.ops.cancel(tenant, id, operator, key);
  }
}
