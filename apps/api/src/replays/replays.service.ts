import { Inject, Injectable } from '@nestjs/common';
import {
  BulkDeadLetterResult,
  BulkReplayRequest,
  DeadLetterDetail,
  DeadLetterLimits,
  DeadLetterStats,
  DeadLetterView,
  OperatorContext,
  OrchError,
  PurgeDeadLettersCommand,
  PurgeDeadLettersRequest,
  PurgeDeadLettersResult,
  ReplayJobRequest,
  ReplayJobResult,
  ReplayJobsCommand,
  ReplayJobsResult,
} from '@orch/contracts';
import { clusterErrors, digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { DeadLetterStore, LEDGER_DATA_SOURCE } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { isJobId } from '../jobs/job-id';
import { JobsService } from '../jobs/jobs.service';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import { encodePageToken } from '../jobs/page-token';
import type { DeadLetterSelection, ListDeadLettersParams } from './dead-letters.params';

/** Idempotency scopes (the target is in the digest, not the scope). */
export const REPLAY_SCOPES = {
  job: 'POST /api/v1/jobs/{id}/replay',
  bulk: 'POST /api/v1/dead-letters/replay',
  purge: 'POST /api/v1/dead-letters/purge',
} as const;

/** Exact error groups read per stats call before clustering (bounded work however large the set). */
export const STATS_GROUPS_READ = 2_000;

/** A page of `GET /api/v1/dead-letters`. */
export interface DeadLetterPage {
  items: DeadLetterView[];
  next_page_token: string | null;
}

/** The operator fields a request digest covers (a replay with another reason is another request). */
const operatorDigest = (operator: OperatorContext) => ({ reason: operator.reason, ticket: operator.ticket ?? null });

/**
 * Replays and the dead-letter set of the caller's tenant: reads through the read-only ledger
 * pool, changes as ledger-writer commands (`replay`, `purge-dead-letters`; the api never writes).
 * A bulk call selects at most {@link DeadLetterLimits.bulkMax} dead letters, oldest first; its
 * dry run selects exactly what the real call would (never-replayed ones), so the counts agree.
 */
@Injectable()
export class ReplaysService {
  private readonly store = new DeadLetterStore();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
    private readonly jobs: JobsService,
  ) {}

  /** Replays one finished job; 404 for another tenant's or an unknown job, 409 while it has not finished. */
  async replayJob(tenant: string, jobId: string, body: ReplayJobRequest, operator: OperatorContext, idempotencyKey: string): Promise<{ result: ReplayJobResult; created: boolean }> {
    if (!isJobId(jobId)) throw new OrchError('notFound', 'job (invalid id) not found');
    const id = jobId.toLowerCase();
    if (body.payload !== undefined) {
      const size = Buffer.byteLength(JSON.stringify(body.payload), 'utf8');
      const max = this.config.API_MAX_PAYLOAD_BYTES;
      if (size > max) throw new OrchError('payloadTooLarge', `payload is ${size} bytes serialized; it must be at most ${max}`, { errors: [{ path: 'payload', message: `at most ${max} bytes` }] });
    }
    const original = await this.jobs.mustFind(tenant, id);
    const data: ReplayJobsCommand = {
      jobIds: [id],
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      ...(body.priority !== undefined ? { priority: body.priority } : {}),
      operator,
      idempotency: { key: idempotencyKey, scope: REPLAY_SCOPES.job, requestDigest: digestOf({ jobId: id, body, ...operatorDigest(operator) }) },
    };
    const result = await this.command<ReplayJobsResult, ReplayJobsCommand>('replay', tenant, original.project, data);
    const made = result.replayed[0];
    if (!made) throw new OrchError('internal', `replay of job ${id} answered no job`);
    return { result: { replayOf: made.replayOf, job: await this.jobs.get(tenant, made.jobId) }, created: result.created };
  }

  /** Replays the selected never-replayed dead letters (or, `dryRun`, says which it would). */
  async bulkReplay(tenant: string, body: BulkReplayRequest, operator: OperatorContext, idempotencyKey: string): Promise<{ result: BulkDeadLetterResult; replayed: boolean }> {
    const limit = body.limit ?? DeadLetterLimits.bulkMax;
    const ids = await this.read(() => this.store.selectIds(this.ds, { query: { tenant, ...body.filter, replayed: false }, limit }));
    if (body.dryRun) return { result: dryRun(ids), replayed: false };
    const idempotency = { key: idempotencyKey, scope: REPLAY_SCOPES.bulk, requestDigest: digestOf({ body: { ...body, dryRun: false }, ...operatorDigest(operator) }) };
    // Even with nothing selected the command runs: a retry of a call that replayed answers what it replayed.
    const data: ReplayJobsCommand = {
      jobIds: ids.length > 0 ? ids : [NO_JOB],
      deadLettersOnly: true,
      ...(body.priority !== undefined ? { priority: body.priority } : {}),
      operator,
      idempotency,
    };
    const result = await this.command<ReplayJobsResult, ReplayJobsCommand>('replay', tenant, body.filter.project ?? '*', data);
    const skipped = result.skipped.filter((s) => s.jobId !== NO_JOB);
    return {
      result: { dryRun: false, matched: result.created ? ids.length : result.replayed.length + skipped.length, sampleJobIds: [], replayed: result.replayed, skipped },
      replayed: !result.created,
    };
  }

  /** Removes the selected dead letters from the set (or, `dryRun`, says which it would). */
  async purge(tenant: string, body: PurgeDeadLettersRequest, operator: OperatorContext, idempotencyKey: string): Promise<{ result: BulkDeadLetterResult; replayed: boolean }> {
    const limit = body.limit ?? DeadLetterLimits.bulkMax;
    const ids = await this.read(() => this.store.selectIds(this.ds, { query: { tenant, ...body.filter }, limit }));
    if (body.dryRun) return { result: dryRun(ids), replayed: false };
    const data: PurgeDeadLettersCommand = {
      jobIds: ids.length > 0 ? ids : [NO_JOB],
      operator,
      idempotency: { key: idempotencyKey, scope: REPLAY_SCOPES.purge, requestDigest: digestOf({ body: { ...body, dryRun: false }, ...operatorDigest(operator) }) },
    };
    const result = await this.command<PurgeDeadLettersResult, PurgeDeadLettersCommand>('purge-dead-letters', tenant, body.filter.project ?? '*', data);
    const skipped = result.skipped.filter((s) => s.jobId !== NO_JOB);
    return { result: { dryRun: false, matched: result.purged.length + skipped.length, sampleJobIds: [], purged: result.purged, skipped }, replayed: !result.created };
  }

  /** The tenant's dead letters, newest first. */
  async list(tenant: string, params: ListDeadLettersParams): Promise<DeadLetterPage> {
    const page = await this.read(() => this.store.list(this.ds, { query: { tenant, ...params.selection }, limit: params.pageSize, ...(params.after ? { after: params.after } : {}) }));
    return { items: page.items, next_page_token: page.next ? encodePageToken(page.next) : null };
  }

  /** One dead letter and its job; 404 when the job is not the tenant's or not in the set. */
  async get(tenant: string, jobId: string): Promise<DeadLetterDetail> {
    const dl = isJobId(jobId) ? await this.read(() => this.store.get(this.ds, { tenant, jobId: jobId.toLowerCase() })) : null;
    if (!dl) throw new OrchError('notFound', `dead letter ${isJobId(jobId) ? jobId : '(invalid id)'} not found`);
    return { deadLetter: dl, job: await this.jobs.get(tenant, dl.jobId) };
  }

  /** Counts per job type and reason, and the largest error clusters of the open dead letters. */
  async stats(tenant: string, selection: DeadLetterSelection): Promise<DeadLetterStats> {
    const query = { tenant, ...selection };
    const [counts, groups] = await this.read(() =>
      this.ds.transaction('REPEATABLE READ', (m) =>
        Promise.all([this.store.counts(m, { query }), this.store.errorGroups(m, { query: { ...query, replayed: false }, limit: STATS_GROUPS_READ })]),
      ),
    );
    const total = counts.byJobType.reduce((n, t) => n + t.count, 0);
    const open = counts.byJobType.reduce((n, t) => n + t.open, 0);
    return {
      total,
      open,
      replayed: total - open,
      byJobType: counts.byJobType,
      byReason: counts.byReason,
      topErrors: clusterErrors(groups, DeadLetterLimits.topErrorsMax).map((c) => ({
        ...c,
        firstAt: new Date(c.firstAt).toISOString(),
        lastAt: new Date(c.lastAt).toISOString(),
      })),
    };
  }

  private async command<TRes, TReq>(verb: 'replay' | 'purge-dead-letters', tenant: string, project: string, data: TReq): Promise<TRes> {
    const correlationId = currentContext().correlationId ?? uuidv7();
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<TRes, TReq>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project, correlationId, data }, { timeoutMs });
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }
}

/** The answer of a dry run: how many are selected, and the first ids. */
function dryRun(ids: string[]): BulkDeadLetterResult {
  return { dryRun: true, matched: ids.length, sampleJobIds: ids.slice(0, DeadLetterLimits.dryRunSample) };
}

/**
 * A job id no job has (UUIDv7 of epoch 0): sent alone when a selection is empty, so the command
 * still runs and an idempotent retry answers the first call's result; it is always skipped.
 */
export const NO_JOB = '00000000-0000-7000-8000-000000000000';
