import { Inject, Injectable } from '@nestjs/common';
import { CancelJobCommand, CancelJobResult, OperatorContext, OrchError, SubmitBatchCommand, SubmitBatchResult } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { isJobId } from '../jobs/job-id';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import {
  assertFitsNats,
  batchItems,
  batchProject,
  buildBatchCommand,
  commandBytes,
  estimateBatchReplyBytes,
  NATS_MAX_PAYLOAD_DEFAULT_BYTES,
} from './batch-command';
import { buildCancelCommand } from './cancel-command';
import { JobSummary, SummaryParams, summarize } from './job-summary';
import type { SubmitBatchRequest } from './submit-batch.request';

/**
 * Batch submit, cancel and the summary of the caller's tenant's jobs. Changes
 * are ledger-writer commands (the api never writes); the summary is one
 * aggregate over the read-only ledger pool, scoped to the tenant.
 */
@Injectable()
export class JobsOperationsService {
  private readonly reader = new LedgerReader();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Sends `ledger-writer.submit-batch` for `tenant`: all jobs or none, `created`
   * false on a replay. Refused before sending (413) when the command or its
   * reply would not fit in one NATS message of the connected server.
   */
  async submitBatch(tenant: string, body: SubmitBatchRequest, idempotencyKey: string): Promise<SubmitBatchResult> {
    const items = batchItems(body, tenant, this.config.API_MAX_PAYLOAD_BYTES);
    const correlationId = currentContext().correlationId ?? uuidv7();
    const init = {
      type: 'ledger.submit-batch',
      tenant,
      project: batchProject(items),
      correlationId,
      data: buildBatchCommand(items, idempotencyKey),
    };
    // The server may change on reconnect; read its limit for every batch.
    const maxPayload = this.client.nc.info?.max_payload ?? NATS_MAX_PAYLOAD_DEFAULT_BYTES;
    assertFitsNats({ requestBytes: commandBytes(init), replyBytes: estimateBatchReplyBytes(items, idempotencyKey, correlationId) }, maxPayload);
    return this.ledgerCommand<SubmitBatchResult, SubmitBatchCommand>('submit-batch', init);
  }

  /**
   * Sends `ledger-writer.cancel`: 404 for a malformed id without asking (the
   * ledger answers 404 for an unknown id and another tenant's job alike).
   */
  async cancel(tenant: string, jobId: string, operator: OperatorContext, idempotencyKey: string): Promise<CancelJobResult> {
    if (!isJobId(jobId)) throw new OrchError('notFound', 'job (invalid id) not found');
    const data = buildCancelCommand(jobId, operator, idempotencyKey);
    return this.ledgerCommand<CancelJobResult, CancelJobCommand>('cancel', {
      type: 'ledger.cancel',
      tenant,
      project: '*',
      correlationId: currentContext().correlationId ?? uuidv7(),
      data,
    });
  }

  async summary(tenant: string, params: SummaryParams): Promise<JobSummary> {
    try {
      const rows = await this.reader.countJobs(this.ds, {
        tenant,
        project: params.project,
        createdFrom: params.createdAfter,
        createdBefore: params.createdBefore,
      });
      return summarize(rows);
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }

  private async ledgerCommand<TRes, TReq>(verb: string, init: { type: string; tenant: string; project: string; correlationId: string; data: TReq }): Promise<TRes> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<TRes, TReq>('ledger-writer', verb, init, { timeoutMs });
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
  }
}
