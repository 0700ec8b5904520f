import { Injectable } from '@nestjs/common';
import {
  CreateScheduleCommand,
  CreateScheduleRequest,
  OperatorContext,
  OrchError,
  ScheduleChangeResult,
  SchedulePage,
  ScheduleVerb,
  ScheduleView,
  UpdateScheduleCommand,
  UpdateScheduleRequest,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { currentContext } from '@orch/telemetry';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { isJobId as isUuid } from '../jobs/job-id';
import type { ApiPage, Replayable } from '../webhooks/webhooks.service';
import { renameCursorProblem } from '../webhooks/webhooks.params';
import { ScheduleGetParams, SchedulePageParams } from './schedules.params';

/** Idempotency scope of `POST /api/v1/schedules`. */
export const CREATE_SCHEDULE_SCOPE = 'POST /api/v1/schedules';
/** Idempotency scopes of pause and resume (the schedule id is in the digest). */
export const PAUSE_SCHEDULE_SCOPE = 'POST /api/v1/schedules/{id}/pause';
export const RESUME_SCHEDULE_SCOPE = 'POST /api/v1/schedules/{id}/resume';

/** The answer of a change: the schedule and whether anything changed. */
export interface ScheduleChange {
  schedule: ScheduleView;
  changed: boolean;
}

const notFound = () => new OrchError('notFound', 'schedule (invalid id) not found');

/**
 * Cron schedules for the control plane: each call is one `schedule-*` command to the
 * ledger-writer (which owns schedules, writes their audit entries and answers another tenant's
 * schedule `not_found`) on behalf of the caller's tenant; a malformed id is 404 here.
 */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /** The digest covers the body, the reason and the ticket: the same key with any other is a 409. */
  async create(tenant: string, body: CreateScheduleRequest, operator: OperatorContext, key: string): Promise<Replayable<ScheduleView>> {
    const data: CreateScheduleCommand = {
      ...body,
      operator,
      idempotency: { key, scope: CREATE_SCHEDULE_SCOPE, requestDigest: digestOf({ request: body, reason: operator.reason, ticket: operator.ticket ?? null }) },
    };
    const r = await this.send<ScheduleChangeResult>(tenant, 'schedule-create', data);
    return { replayed: r.replayed === true, value: r.schedule };
  }

  async list(tenant: string, page: SchedulePageParams): Promise<ApiPage<ScheduleView>> {
    const r = await this.send<SchedulePage>(tenant, 'schedule-list', { pageSize: page.pageSize, ...(page.cursor ? { cursor: page.cursor } : {}) });
    return { items: r.items, next_page_token: r.nextCursor };
  }

  async get(tenant: string, scheduleId: string, params: ScheduleGetParams): Promise<ScheduleView> {
    if (!isUuid(scheduleId)) throw notFound();
    return this.send<ScheduleView>(tenant, 'schedule-get', { scheduleId: scheduleId.toLowerCase(), nextCount: params.next });
  }

  async update(tenant: string, scheduleId: string, body: UpdateScheduleRequest, operator: OperatorContext): Promise<ScheduleChange> {
    if (!isUuid(scheduleId)) throw notFound();
    const data: UpdateScheduleCommand = { ...body, scheduleId: scheduleId.toLowerCase(), operator };
    return this.change(await this.send<ScheduleChangeResult>(tenant, 'schedule-update', data));
  }

  /** Pause or resume; idempotent by key (the digest covers the schedule, the reason and the ticket). */
  async action(tenant: string, verb: 'schedule-pause' | 'schedule-resume', scheduleId: string, operator: OperatorContext, key: string): Promise<Replayable<ScheduleChange>> {
    if (!isUuid(scheduleId)) throw notFound();
    const id = scheduleId.toLowerCase();
    const scope = verb === 'schedule-pause' ? PAUSE_SCHEDULE_SCOPE : RESUME_SCHEDULE_SCOPE;
    const requestDigest = digestOf({ scheduleId: id, reason: operator.reason, ticket: operator.ticket ?? null });
    const r = await this.send<ScheduleChangeResult>(tenant, verb, { scheduleId: id, operator, idempotency: { key, scope, requestDigest } });
    return { replayed: r.replayed === true, value: this.change(r) };
  }

  async remove(tenant: string, scheduleId: string, operator: OperatorContext): Promise<{ scheduleId: string; deleted: true }> {
    if (!isUuid(scheduleId)) throw notFound();
    const r = await this.send<ScheduleChangeResult>(tenant, 'schedule-delete', { scheduleId: scheduleId.toLowerCase(), operator });
    return { scheduleId: r.schedule.id, deleted: true };
  }

  private change(r: ScheduleChangeResult): ScheduleChange {
    return { schedule: r.schedule, changed: r.changed };
  }

  private async send<T>(tenant: string, verb: ScheduleVerb, data: object): Promise<T> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<T>(
        'ledger-writer',
        verb,
        { type: `ledger.${verb}`, tenant, project: '*', correlationId: currentContext().correlationId ?? uuidv7(), data },
        { timeoutMs },
      );
    } catch (err) {
      throw renameCursorProblem(commandFailure(err, 'ledger-writer', timeoutMs, 'retry; a POST with the same Idempotency-Key is safe to repeat'));
    }
  }
}
