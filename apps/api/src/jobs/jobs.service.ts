import { Inject, Injectable } from '@nestjs/common';
import { JobView, LedgerEventView, OrchError, SubmitJobCommand, SubmitJobRequest, SubmitJobResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { JobRow, LEDGER_DATA_SOURCE, LedgerReader, toJobView } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { isJobId } from './job-id';
import { ListJobsParams } from './jobs.params';
import { ledgerReadFailure } from './ledger-errors';
import { encodePageToken } from './page-token';
import { assertPayloadSize, buildSubmitCommand, submitFailure, withCallerTenant } from './submit-command';

/** A page of `GET /api/v1/jobs`. */
export interface JobPage {
  items: JobView[];
  next_page_token: string | null;
}

/**
 * Jobs for the control plane: submits go to ledger-writer as commands (the api
 * never writes), reads come from the ledger through a read-only pool, always
 * scoped to the caller's tenant so another tenant's jobs are simply not found.
 */
@Injectable()
export class JobsService {
  private readonly reader = new LedgerReader();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Sends `ledger-writer.submit` for `tenant` (the caller's, from the token);
   * `created` is false when the key and body were seen before.
   */
  async submit(tenant: string, submitted: SubmitJobRequest, idempotencyKey: string): Promise<SubmitJobResult> {
    const body = withCallerTenant(submitted, tenant);
    assertPayloadSize(body.payload, this.config.API_MAX_PAYLOAD_BYTES);
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<SubmitJobResult, SubmitJobCommand>(
        'ledger-writer',
        'submit',
        {
          type: 'ledger.submit',
          tenant,
          project: body.project,
          jobType: body.jobType,
          // The correlation middleware sets it for every request; the fallback only guards misuse outside one.
          correlationId: currentContext().correlationId ?? uuidv7(),
          data: buildSubmitCommand(body, idempotencyKey),
        },
        { timeoutMs },
      );
    } catch (err) {
      throw submitFailure(err, timeoutMs);
    }
  }

  async get(tenant: string, id: string): Promise<JobView> {
    return toJobView(await this.mustFind(tenant, id));
  }

  /** The job's ledger events in chain order. */
  async events(tenant: string, id: string): Promise<LedgerEventView[]> {
    await this.mustFind(tenant, id);
    return this.read(() => this.reader.listJobEvents(this.ds, tenant, id));
  }

  async list(tenant: string, params: ListJobsParams): Promise<JobPage> {
    const page = await this.read(() =>
      this.reader.listJobs(this.ds, {
        tenant,
        status: params.status,
        jobType: params.jobType,
        project: params.project,
        createdFrom: params.createdAfter,
        createdBefore: params.createdBefore,
        after: params.after,
        limit: params.pageSize,
      }),
    );
    return { items: page.jobs.map(toJobView), next_page_token: page.next ? encodePageToken(page.next) : null };
  }

  /**
   * The tenant's job, or 404 — the same answer for a malformed id, an unknown id
   * and another tenant's job, so existence never leaks across tenants.
   */
  async mustFind(tenant: string, id: string): Promise<JobRow> {
    const job = isJobId(id) ? await this.read(() => this.reader.getJob(this.ds, tenant, id)) : null;
    if (!job) throw new OrchError('notFound', `job ${isJobId(id) ? id : '(invalid id)'} not found`);
    return job;
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }
}
