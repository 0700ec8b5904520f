import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllowQueryToken, CurrentPrincipal, Principal, RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import type { Request, Response } from 'express';
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
      '`text/event-stream`: `id: <LOGS stream seq>`, `event: log`, data `{seq, jobId, attempt, level, message, ts, tenant, project, ' +
      'correlationId}`; from the first line unless `from=new`; resumes after `Last-Event-ID` (or `?lastEventId=`); ends with ' +
      '`event: end` (data `{jobId, status, lastSeq, tenant, project, correlationId}`) once the job is terminal and every line up to then was sent. ' +
      "Another tenant's job is 404 like one that does not exist.",
  })
  @RequireScopes(Scopes.read)
  @AllowQueryToken()
  async stream(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.logs.open(req, res, id, { tenant: principal.tenant, ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}) });
  }
}
