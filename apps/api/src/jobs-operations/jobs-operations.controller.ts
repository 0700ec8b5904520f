import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { CancelJobResult, JobView, OperatorContext, Scopes } from '@orch/contracts';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { assertNoBody } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { JobSummary, parseSummaryQuery } from './job-summary';
import { JobsOperationsService } from './jobs-operations.service';
import { SubmitBatchRequest } from './submit-batch.request';

/**
 * `/api/v1/jobs` operations beside the basic resource (JobsController): batch
 * submit, cancel and the summary. Registered before JobsController so that
 * `GET /jobs/summary` is not taken for `GET /jobs/:id`.
 */
@Controller('api/v1/jobs')
export class JobsOperationsController {
  constructor(private readonly ops: JobsOperationsService) {}

  /**
   * Counts of the tenant's jobs by status, by job type and by both; optional
   * `project`, `created_after` (inclusive) and `created_before` (exclusive).
   */
  @Get('summary')
  @RequireScopes(Scopes.read)
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
  async cancel(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelJobResult> {
    assertNoBody(req, 'the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket');
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    res.setHeader('Idempotency-Key', key);
    return this.ops.cancel(tenant, id, operator, key);
  }
}
