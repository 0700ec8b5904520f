import { Inject, Injectable } from '@nestjs/common';
import {
  BackfillAction,
  BackfillEstimateView,
  BackfillLimits,
  BackfillSliceView,
  BackfillView,
  ControlBackfillCommand,
  ControlBackfillResult,
  CreateBackfillCommand,
  CreateBackfillRequest,
  CreateBackfillResult,
  JobLimits,
  LimitRuleView,
  LimitsOperatorContext,
  OrchError,
} from '@orch/contracts';
import { digestOf, estimateBackfill, limitFactsFor, parseSliceDuration, planBackfill, sliceWindow, TimeWindow } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { BackfillRow, BackfillStore, LEDGER_DATA_SOURCE } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { isJobId } from '../jobs/job-id';
import { readLedger } from '../jobs/ledger-errors';
import { encodePageToken } from '../jobs/page-token';
import type { ListRunsParams } from '../runs/runs.params';
import { buildBackfillView } from './backfill-view';

/** Idempotency scopes of backfill commands. */
export const BACKFILL_CREATE_SCOPE = 'POST /api/v1/backfills';
export const backfillControlScope = (action: BackfillAction) => `POST /api/v1/backfills/{id}/${action}`;

/** Default slice of a backfill. */
export const BACKFILL_SLICE_DEFAULT = 'PT1H';

/** Answer of a dry run: what a real run would create and skip now, and how long it would take. */
export interface BackfillDryRun {
  dryRun: true;
  source: string;
  jobType: string;
  from: string;
  to: string;
  slice: string;
  priority: number;
  slices: BackfillSliceView[];
  create: number;
  skipped: number;
  watermark: string | null;
  estimate: BackfillEstimateView;
}

/** Answer of a real run. */
export interface BackfillCreated {
  created: boolean;
  backfill: BackfillView;
}

/** Answer of pause, resume and cancel. */
export interface BackfillControlled extends ControlBackfillResult {
  backfill: BackfillView;
}

/** A page of `GET /api/v1/backfills`. */
export interface BackfillPage {
  items: BackfillView[];
  next_page_token: string | null;
}

/** A request checked and normalised: the slices it cuts and what the command carries. */
interface CheckedRequest {
  sliceMs: number;
  slice: string;
  slices: TimeWindow[];
  from: string;
  to: string;
  priority: number;
  maxAttempts: number;
}

function invalid(path: string, message: string): OrchError {
  return new OrchError('validation', `request body: ${path}: ${message}`, { errors: [{ path, message }], retryable: false });
}

/**
 * Backfills of the caller's tenant (docs/backfills.md). A dry run is planned here from the
 * read-only ledger pool and the rate-limiter's rules, with the same pure `planBackfill` the
 * ledger-writer runs for the real thing under its lock; the real run is the ledger-writer's
 * `create-backfill` command.
 */
@Injectable()
export class BackfillsService {
  private readonly store = new BackfillStore();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /** Checks the window and slice (400 naming the field), then plans (dry run) or creates. */
  async create(tenant: string, body: CreateBackfillRequest, operator: LimitsOperatorContext, idempotencyKey: string): Promise<BackfillDryRun | BackfillCreated> {
    const checked = this.check(body);
    if (body.dryRun === true) return this.dryRun(tenant, body, checked);
    const { dryRun: _ignored, ...request } = body;
    const data: CreateBackfillCommand = {
      backfillId: uuidv7(),
      project: body.project,
      jobType: body.jobType,
      source: body.source,
      from: checked.from,
      to: checked.to,
      sliceMs: checked.sliceMs,
      slice: checked.slice,
      payload: body.payload ?? {},
      priority: checked.priority,
      maxAttempts: checked.maxAttempts,
      operator,
      idempotency: { key: idempotencyKey, scope: BACKFILL_CREATE_SCOPE, requestDigest: digestOf({ request, reason: operator.reason, ticket: operator.ticket }) },
    };
    const result = await this.send<CreateBackfillResult, CreateBackfillCommand>('create-backfill', tenant, body.project, data);
    return { created: result.created, backfill: await this.get(tenant, result.backfillId) };
  }

  private check(body: CreateBackfillRequest): CheckedRequest {
    const slice = body.slice ?? BACKFILL_SLICE_DEFAULT;
    const sliceMs = parseSliceDuration(slice);
    if (typeof sliceMs === 'string') throw invalid('slice', sliceMs);
    const window = { from: Date.parse(body.from), to: Date.parse(body.to) };
    const slices = sliceWindow(window, sliceMs);
    if (typeof slices === 'string') throw invalid('to', slices);
    return {
      sliceMs,
      slice,
      slices,
      from: new Date(window.from).toISOString(),
      to: new Date(window.to).toISOString(),
      priority: body.priority ?? BackfillLimits.priorityDefault,
      maxAttempts: body.maxAttempts ?? JobLimits.maxAttemptsDefault,
    };
  }

  private async dryRun(tenant: string, body: CreateBackfillRequest, c: CheckedRequest): Promise<BackfillDryRun> {
    const key = { tenant, source: body.source, jobType: body.jobType };
    const [watermark, covering, mean] = await readLedger(() =>
      this.ds.transaction('REPEATABLE READ', (m) =>
        Promise.all([this.store.watermark(m, key), this.store.coveringJobs(m, key, new Date(c.from), new Date(c.to)), this.store.meanRunSeconds(m, tenant, body.jobType)]),
      ),
    );
    const plan = planBackfill(c.slices, watermark?.getTime() ?? null, covering.map((j) => ({ id: j.id, from: j.from.getTime(), to: j.to.getTime() })));
    const rules = await this.rules(tenant);
    const estimate = estimateBackfill(plan.create, limitFactsFor(rules, { tenant, project: body.project, source: body.source, jobType: body.jobType }), mean);
    return {
      dryRun: true,
      source: body.source,
      jobType: body.jobType,
      from: c.from,
      to: c.to,
      slice: c.slice,
      priority: c.priority,
      slices: plan.slices.map((s) => ({
        from: new Date(s.from).toISOString(),
        to: new Date(s.to).toISOString(),
        action: s.action,
        ...(s.skip ? { skip: s.skip } : {}),
        ...(s.coveredBy ? { coveredBy: s.coveredBy } : {}),
      })),
      create: plan.create,
      skipped: plan.skipped,
      watermark: watermark ? watermark.toISOString() : null,
      estimate,
    };
  }

  /** The tenant's rules (and the platform's rules over every tenant), from the rate-limiter. */
  private async rules(tenant: string): Promise<LimitRuleView[]> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      const page = await this.client.command<{ items: LimitRuleView[] }>(
        'rate-limiter',
        'limits.rule.list',
        { type: 'ratelimiter.limits.rule.list', tenant, project: '*', correlationId: currentContext().correlationId ?? uuidv7(), data: {} },
        { timeoutMs },
      );
      return page.items;
    } catch (err) {
      throw commandFailure(err, 'rate-limiter', timeoutMs, 'retry the dry run');
    }
  }

  /** Pause, resume or cancel; 404 for a malformed, unknown or another tenant's id. */
  async control(tenant: string, id: string, action: BackfillAction, operator: LimitsOperatorContext, idempotencyKey: string): Promise<BackfillControlled> {
    if (!isJobId(id)) throw new OrchError('notFound', 'backfill (invalid id) not found');
    const backfillId = id.toLowerCase();
    const data: ControlBackfillCommand = {
      backfillId,
      action,
      operator,
      idempotency: { key: idempotencyKey, scope: backfillControlScope(action), requestDigest: digestOf({ backfillId, reason: operator.reason, ticket: operator.ticket }) },
    };
    const result = await this.send<ControlBackfillResult, ControlBackfillCommand>('control-backfill', tenant, '*', data);
    return { ...result, backfill: await this.get(tenant, backfillId) };
  }

  /** The backfill with its progress; 404 for a malformed, unknown or another tenant's id. */
  async get(tenant: string, id: string): Promise<BackfillView> {
    const row = isJobId(id) ? (await readLedger(() => this.store.backfills(this.ds, tenant, [id.toLowerCase()]))).get(id.toLowerCase()) : undefined;
    if (!row) throw new OrchError('notFound', `backfill ${isJobId(id) ? id : '(invalid id)'} not found`);
    return this.view(row);
  }

  private async view(row: BackfillRow): Promise<BackfillView> {
    const [jobs, watermark] = await readLedger(() =>
      Promise.all([this.store.jobCounts(this.ds, row.tenant, row.id), this.store.watermark(this.ds, { tenant: row.tenant, source: row.source, jobType: row.jobType })]),
    );
    return buildBackfillView(row, jobs, watermark);
  }

  /** The tenant's backfills, newest first, each with its progress. */
  async list(tenant: string, params: ListRunsParams): Promise<BackfillPage> {
    const page = await readLedger(() => this.store.list(this.ds, { tenant, limit: params.pageSize, after: params.after }));
    const items = await Promise.all(page.rows.map((row) => this.view(row)));
    return { items, next_page_token: page.next ? encodePageToken(page.next) : null };
  }

  private async send<TRes, TReq>(verb: 'create-backfill' | 'control-backfill', tenant: string, project: string, data: TReq): Promise<TRes> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<TRes, TReq>('ledger-writer', verb, { type: `ledger.${verb}`, tenant, project, correlationId: currentContext().correlationId ?? uuidv7(), data }, { timeoutMs });
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
  }
}
