import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { CreateScheduleRequest, OperatorContext, ScheduleLimits, Scopes, ScheduleView, UpdateScheduleRequest } from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { noBodyActionKey } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { BadQuery, BodyTooLarge, IdempotencyConflict, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import type { ApiPage, Replayable } from '../webhooks/webhooks.service';
import { parseScheduleGetQuery, parseScheduleListQuery } from './schedules.params';
import { createScheduleExamples, exampleSchedule, exampleScheduleDetail, SCHEDULE_SCHEMAS as SS, updateScheduleExamples } from './schedules.schema';
import { ScheduleChange, SchedulesService } from './schedules.service';

const H = OpenApiRefs.headers;
const ScheduleIdParam = () => ApiParam({ name: 'id', description: 'The schedule id (UUID).', schema: { type: 'string', format: 'uuid' }, example: exampleSchedule.id });
const ScheduleNotFound = () =>
  ApiProblemResponse(404, {
    description: "No such schedule in the caller's tenant (a malformed id and another tenant's schedule are answered alike).",
    examples: { not_found: { code: 'not_found', detail: `schedule ${exampleSchedule.id} not found` } },
  });
const cronError = 'invalid cron "61 * * * *": Constraint error, got value 61 expected range 0-59';
const OperatorProblems = (extra: Record<string, { code: string; detail: string; errors?: { path: string; message: string }[] }> = {}) =>
  ApiProblemResponse(400, {
    description:
      'No (or a too long) `X-Orch-Reason`, an invalid body (`validation_failed`, each problem in `errors`: a bad cron names `cron`, an unknown zone `timeZone`), ' +
      'or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING, ...extra },
  });
const changeExample = (over: Partial<ScheduleView>, changed = true) => ({ schedule: { ...exampleSchedule, ...over }, changed });

/** Sets the status and headers of an idempotent POST's answer and returns its body. */
function idempotentAnswer<T>(res: Response, key: string, reply: Replayable<T>, createdStatus: number): T {
  res.setHeader('Idempotency-Key', key);
  if (reply.replayed) res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  else res.status(createdStatus);
  return reply.value;
}

/**
 * `/api/v1/schedules`: recurring schedules (cron in a time zone) that submit a job per fire time,
 * fired by the scheduler and recorded once per `(schedule, fire time)` by the ledger-writer.
 * Reads need `orch:read`; changes need `orch:operate` and `X-Orch-Reason` (audited).
 */
@ApiTags('schedules')
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'createSchedule',
    summary: 'Create a schedule',
    description:
      'A cron (5 fields, minute precision, or a macro such as `@daily`) read in an IANA time zone, with a misfire policy for slots missed while no ' +
      'scheduler ran, and the job each firing submits. `paused: true` creates it paused. Operator action, audited. ' +
      'Same Idempotency-Key and body (and reason, ticket) again: 200, `Idempotent-Replayed: true`, the schedule as it is now.',
  })
  @ApiJsonBody(CreateScheduleRequest.name, createScheduleExamples)
  @ApiJsonResponse(201, {
    description: 'Created. `Location` is the schedule.',
    schema: SS.schedule,
    examples: { created: { summary: 'Created', value: { ...exampleSchedule, lastFireAt: null, version: 1 } } },
    headers: [H.location, H.idempotencyKey],
  })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key and request: the schedule as it is now, with `Idempotent-Replayed: true`.',
    schema: SS.schedule,
    examples: { replayed: { summary: 'Replay', value: exampleSchedule } },
    headers: [H.location, H.idempotencyKey, H.idempotentReplayed],
  })
  @OperatorProblems({ cron: { code: 'validation_failed', detail: `invalid schedule: cron: ${cronError}`, errors: [{ path: 'cron', message: cronError }] } })
  @IdempotencyConflict('request body, reason or ticket')
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('ledger-writer', true)
  async create(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(CreateScheduleRequest)) body: CreateScheduleRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleView> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const reply = await this.schedules.create(tenant, body, operator, key);
    res.location(`/api/v1/schedules/${reply.value.id}`);
    return idempotentAnswer(res, key, reply, 201);
  }

  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'listSchedules', summary: "List the tenant's schedules", description: 'Newest first. Cursor pagination like every list.' })
  @ApiPageQuery({ defaultSize: ScheduleLimits.pageSizeDefault, maxSize: ScheduleLimits.pageSizeMax })
  @ApiJsonResponse(200, { description: 'A page of schedules.', schema: SS.schedulePage, examples: { page: { summary: 'The last page', value: { items: [exampleSchedule], next_page_token: null } } } })
  @BadQuery('invalid schedule list query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('ledger-writer', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<ApiPage<ScheduleView>> {
    return this.schedules.list(tenant, parseScheduleListQuery(query));
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getSchedule', summary: 'Get a schedule', description: 'With its next fire times (from now) and its newest firing.' })
  @ScheduleIdParam()
  @ApiQuery({
    name: 'next',
    required: false,
    description: `How many next fire times to list (0–${ScheduleLimits.nextFireTimesMax}, default ${ScheduleLimits.nextFireTimesDefault}).`,
    schema: { type: 'integer', minimum: 0, maximum: ScheduleLimits.nextFireTimesMax, default: ScheduleLimits.nextFireTimesDefault },
  })
  @ApiJsonResponse(200, { description: 'The schedule.', schema: SS.schedule, examples: { schedule: { summary: 'A schedule', value: exampleScheduleDetail } } })
  @BadQuery('invalid schedule query', 'next', `next must be an integer from 0 to ${ScheduleLimits.nextFireTimesMax}`)
  @ScheduleNotFound()
  @Unavailable('ledger-writer', false)
  get(@TenantId() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<ScheduleView> {
    return this.schedules.get(tenant, id, parseScheduleGetQuery(query));
  }

  @Patch(':id')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'updateSchedule',
    summary: 'Change a schedule',
    description:
      'Absent fields stay as they are; `job` replaces the whole template. A new cron or time zone fires from now on (no slot of the new rule ' +
      'before the change is caught up). At least one change is required. Operator action, audited.',
  })
  @ScheduleIdParam()
  @ApiJsonBody(UpdateScheduleRequest.name, updateScheduleExamples)
  @ApiJsonResponse(200, { description: 'The schedule as it is now.', schema: SS.scheduleChange, examples: { updated: { summary: 'New cron', value: changeExample({ cron: '0 3 * * *', version: 5 }) } } })
  @OperatorProblems({ nothing: { code: 'validation_failed', detail: 'nothing to update: give name, cron, timeZone, misfirePolicy, maxCatchUp, job' } })
  @ScheduleNotFound()
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('ledger-writer', false)
  update(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @Body(new ValidatedPlainPipe(UpdateScheduleRequest)) body: UpdateScheduleRequest,
    @CurrentOperator() operator: OperatorContext,
  ): Promise<ScheduleChange> {
    return this.schedules.update(tenant, id, body, operator);
  }

  @Post(':id/pause')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @ApiOperation({
    operationId: 'pauseSchedule',
    summary: 'Pause a schedule',
    description: 'No slot fires while paused. Pausing a paused schedule changes nothing (`changed: false`). Operator action, audited; takes no body.',
  })
  @ScheduleIdParam()
  @ApiJsonResponse(200, {
    description: 'The schedule as it is now.',
    schema: SS.scheduleChange,
    examples: { paused: { summary: 'Paused', value: changeExample({ paused: true, nextFireAt: null, version: 5 }) } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @OperatorProblems({ body: { code: 'validation_failed', detail: 'this action takes no body: the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket' } })
  @ScheduleNotFound()
  @IdempotencyConflict('schedule, reason or ticket')
  @Unavailable('ledger-writer', true)
  async pause(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleChange> {
    const key = noBodyActionKey(req, idempotencyKey);
    return idempotentAnswer(res, key, await this.schedules.action(tenant, 'schedule-pause', id, operator, key), 200);
  }

  @Post(':id/resume')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @ApiOperation({
    operationId: 'resumeSchedule',
    summary: 'Resume a schedule',
    description: 'Firing restarts with the next slot after now; slots that fell in the pause are not caught up. Operator action, audited; takes no body.',
  })
  @ScheduleIdParam()
  @ApiJsonResponse(200, {
    description: 'The schedule as it is now.',
    schema: SS.scheduleChange,
    examples: { resumed: { summary: 'Resumed', value: changeExample({ resumedAt: '2026-11-23T12:00:00.000Z', version: 6 }) } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @OperatorProblems({ body: { code: 'validation_failed', detail: 'this action takes no body: the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket' } })
  @ScheduleNotFound()
  @IdempotencyConflict('schedule, reason or ticket')
  @Unavailable('ledger-writer', true)
  async resume(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleChange> {
    const key = noBodyActionKey(req, idempotencyKey);
    return idempotentAnswer(res, key, await this.schedules.action(tenant, 'schedule-resume', id, operator, key), 200);
  }

  @Delete(':id')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @ApiOperation({ operationId: 'deleteSchedule', summary: 'Delete a schedule', description: 'No further slot fires; jobs it already submitted stay. Operator action, audited.' })
  @ScheduleIdParam()
  @ApiJsonResponse(200, { description: 'Deleted.', schema: SS.scheduleDeleted, examples: { deleted: { summary: 'Deleted', value: { scheduleId: exampleSchedule.id, deleted: true } } } })
  @OperatorProblems()
  @ScheduleNotFound()
  @Unavailable('ledger-writer', false)
  remove(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext): Promise<{ scheduleId: string; deleted: true }> {
    return this.schedules.remove(tenant, id, operator);
  }
}
