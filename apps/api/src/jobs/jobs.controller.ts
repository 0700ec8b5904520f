import { Body, Controller, Get, Headers, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { RequireScopes } from '@orch/auth';
import { JobView, LedgerEventView, Scopes, SubmitJobRequest } from '@orch/contracts';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { JobLogItem, JobLogsReader } from './job-logs.reader';
import { parseListJobsQuery, parseLogsQuery } from './jobs.params';
import { JobPage, JobsService } from './jobs.service';

/**
 * `/api/v1/jobs`: submit, get, list, events and logs of the caller's tenant's
 * jobs. Reads need `orch:read`; submitting needs `orch:operate` (ADR 0006).
 */
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
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<JobPage> {
    return this.jobs.list(tenant, parseListJobsQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<JobView> {
    return this.jobs.get(tenant, id);
  }

  /** The job's ledger events in chain order. */
  @Get(':id/events')
  @RequireScopes(Scopes.read)
  async events(@TenantId() tenant: string, @Param('id') id: string): Promise<{ items: LedgerEventView[] }> {
    return { items: await this.jobs.events(tenant, id) };
  }

  /** The job's log lines, oldest first, at most `limit` (default 1000, max 10000). */
  @Get(':id/logs')
  @RequireScopes(Scopes.read)
  async logs(@TenantId() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<{ items: JobLogItem[] }> {
    const { limit } = parseLogsQuery(query);
    await this.jobs.mustFind(tenant, id);
    return { items: await this.logReader.read(tenant, id, limit) };
  }
}
