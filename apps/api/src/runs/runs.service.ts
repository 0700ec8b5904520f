import { Inject, Injectable } from '@nestjs/common';
import {
  CancelRunCommand,
  CancelRunResult,
  isTerminal,
  OperatorContext,
  OrchError,
  RunStatusValue,
  RunView,
  SubmitRunCommand,
  SubmitRunRequest,
  SubmitRunResult,
  RunRecordView,
} from '@orch/contracts';
import { digestOf, runStatus } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, RunStore, toRunRecordView } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { assertFitsNats, commandBytes, NATS_MAX_PAYLOAD_DEFAULT_BYTES } from '../jobs-operations/batch-command';
import { isJobId } from '../jobs/job-id';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import { encodePageToken } from '../jobs/page-token';
import { buildRunCommand, buildRunReplayCommand, estimateRunReplyBytes, runProject } from './run-command';
import { buildRunView } from './run-view';
import type { ListRunsParams } from './runs.params';

/** Idempotency scope of a run cancel (the run id is in the digest). */
export const RUN_CANCEL_SCOPE = 'POST /api/v1/runs/{id}/cancel';

/** Answer of `POST /api/v1/runs/{id}/cancel`: what the call did, and the run as it is now. */
export interface CancelRunView extends CancelRunResult {
  run: RunView;
}

/** A page of `GET /api/v1/runs`. */
export interface RunPage {
  items: (RunRecordView & { status: RunStatusValue })[];
  next_page_token: string | null;
}

/**
 * DAG runs of the caller's tenant: submit is the ledger-writer's `submit-run`
 * command (the api never writes); reads use the read-only ledger pool.
 */
@Injectable()
export class RunsService {
  private readonly store = new RunStore();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Sends `ledger-writer.submit-run` for `tenant` after the api's own checks
   * (see buildRunCommand); 413 before sending when the command would not fit
   * one NATS message (the reply is compact: ids and statuses).
   */
  async submit(tenant: string, body: SubmitRunRequest, idempotencyKey: string): Promise<SubmitRunResult> {
    return this.sendRun(tenant, runProject(body), buildRunCommand(body, tenant, idempotencyKey, this.config.API_MAX_PAYLOAD_BYTES));
  }

  /** Sends a `submit-run` command; 413 before sending when it or its reply would not fit one NATS message. */
  private async sendRun(tenant: string, project: string, data: SubmitRunCommand): Promise<SubmitRunResult> {
    const correlationId = currentContext().correlationId ?? uuidv7();
    const init = { type: 'ledger.submit-run', tenant, project, correlationId, data };
    const maxPayload = this.client.nc.info?.max_payload ?? NATS_MAX_PAYLOAD_DEFAULT_BYTES;
    assertFitsNats({ requestBytes: commandBytes(init), replyBytes: estimateRunReplyBytes(data, correlationId) }, maxPayload);
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<SubmitRunResult, SubmitRunCommand>('ledger-writer', 'submit-run', init, { timeoutMs });
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
  }

  /**
   * Sends `ledger-writer.cancel-run` (404 for a malformed id without asking) and answers what it
   * did, with the run as it is now. A retry with the Idempotency-Key answers the first call's result.
   */
  async cancel(tenant: string, id: string, operator: OperatorContext, idempotencyKey: string): Promise<CancelRunView> {
    if (!isJobId(id)) throw new OrchError('notFound', 'run (invalid id) not found');
    const runId = id.toLowerCase();
    const data: CancelRunCommand = {
      runId,
      operator,
      idempotency: { key: idempotencyKey, scope: RUN_CANCEL_SCOPE, requestDigest: digestOf({ runId, reason: operator.reason, ticket: operator.ticket ?? null }) },
    };
    const correlationId = currentContext().correlationId ?? uuidv7();
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    let result: CancelRunResult;
    try {
      result = await this.client.command<CancelRunResult, CancelRunCommand>('ledger-writer', 'cancel-run', { type: 'ledger.cancel-run', tenant, project: '*', correlationId, data }, { timeoutMs });
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
    return { ...result, run: await this.get(tenant, runId) };
  }

  /**
   * Replays a finished run as a new run (`replayOf`), every job again with `replayOf` its
   * original: 404 for another tenant's or an unknown run, 409 while any of its jobs has not finished.
   */
  async replay(tenant: string, id: string, operator: OperatorContext, idempotencyKey: string): Promise<SubmitRunResult> {
    const run = isJobId(id) ? await this.read(() => this.store.getRun(this.ds, tenant, id.toLowerCase())) : null;
    if (!run) throw new OrchError('notFound', `run ${isJobId(id) ? id : '(invalid id)'} not found`);
    const [jobs, edges] = await this.read(() =>
      this.ds.transaction('REPEATABLE READ', (m) => Promise.all([this.store.runJobs(m, tenant, run.id), this.store.runEdges(m, tenant, run.id)])),
    );
    const unfinished = jobs.filter((j) => !isTerminal(j.status));
    if (unfinished.length > 0) {
      throw new OrchError('invalidTransition', `run ${run.id} cannot be replayed: ${unfinished.length} of its jobs have not finished yet`, { retryable: false });
    }
    return this.sendRun(tenant, run.project, buildRunReplayCommand(run, jobs, edges, operator, idempotencyKey));
  }

  /** The run with its graph, states and critical path; 404 for an unknown, malformed or another tenant's id. */
  async get(tenant: string, id: string, now: Date = new Date()): Promise<RunView> {
    const run = isJobId(id) ? await this.read(() => this.store.getRun(this.ds, tenant, id)) : null;
    if (!run) throw new OrchError('notFound', `run ${isJobId(id) ? id : '(invalid id)'} not found`);
    // One snapshot: jobs and edges as of the same moment.
    const [jobs, edges] = await this.read(() =>
      this.ds.transaction('REPEATABLE READ', (m) => Promise.all([this.store.runJobs(m, tenant, id), this.store.runEdges(m, tenant, id)])),
    );
    return buildRunView(run, jobs, edges, now);
  }

  /** The tenant's runs, newest first, with their aggregate status. */
  async list(tenant: string, params: ListRunsParams): Promise<RunPage> {
    const page = await this.read(() => this.store.listRuns(this.ds, { tenant, limit: params.pageSize, after: params.after }));
    return {
      items: page.runs.map(({ run, statuses }) => ({ ...toRunRecordView(run), status: runStatus(statuses).status })),
      next_page_token: page.next ? encodePageToken(page.next) : null,
    };
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }
}
