import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AllowQueryToken, CurrentPrincipal, Principal, RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { ApiEventStream, ApiProblemResponse } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { ApiStreamProblems } from '../openapi-decorators';
import { logStreamExamples } from '../openapi-schemas';
import { LogStreamService } from './log-stream.service';

/**
 * `GET /api/v1/jobs/{id}/logs/stream`: a job's log lines as server-sent events
 * (`id` = LOGS stream sequence, `event: log`), from the first line by default,
 * after Last-Event-ID when resuming, ending with `event: end` once the job is
 * terminal. Needs `orch:read`; a job of another tenant is 404 exactly like one
 * that does not exist. Takes `?access_token=` (EventSource cannot set headers).
 */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class LogStreamController {
  constructor(private readonly logs: LogStreamService) {}

  @Get(':id/logs/stream')
  @ApiOperation({
    operationId: 'streamJobLogs',
    summary: "A job's log lines as server-sent events",
    description:
      'The job\'s log lines as workers publish them, from the first line unless `from=new`; `Last-Event-ID` (or `?lastEventId=`) resumes after that line. ' +
      'The stream ends by itself once the job is terminal and every line up to then was sent. ' +
      "Another tenant's job is 404 like one that does not exist. `?access_token=` and `?tenant=` stand in for headers EventSource cannot set.",
  })
  @RequireScopes(Scopes.read)
  @AllowQueryToken()
  @ApiParam({ name: 'id', description: 'The job id (UUID).', schema: { type: 'string', format: 'uuid' }, example: '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01' })
  @ApiQuery({
    name: 'from',
    required: false,
    description: '`start` (default): every line the LOGS stream retains; `new`: only lines from now on. Ignored when resuming with Last-Event-ID.',
    schema: { type: 'string', enum: ['start', 'new'], default: 'start' },
  })
  @ApiEventStream({
    description:
      'A `text/event-stream`. It starts with `retry: 2000`; then one frame per line: `id: <LOGS stream sequence>`, `event: log`, `data: <LogStreamItem JSON>` ' +
      '`{seq, jobId, attempt, level, message, ts, tenant, project, correlationId}`. Once the job is terminal and every line up to then was sent: ' +
      '`event: end` with `data: <LogStreamEnd JSON>` `{jobId, status, lastSeq, tenant, project, correlationId}`, and the stream closes. ' +
      'Ended early: a last `event: error` frame (`StreamError`); reconnect with `Last-Event-ID` to resume.',
    examples: logStreamExamples,
  })
  @ApiProblemResponse(404, {
    description: "No such job in the caller's tenant (a malformed id and another tenant's job are answered alike).",
    examples: { not_found: { code: 'not_found', detail: 'job 0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1a01 not found' } },
  })
  @ApiStreamProblems()
  async stream(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.logs.open(req, res, id, { tenant: principal.tenant, ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}) });
  }
}
