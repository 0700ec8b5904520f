import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllowQueryToken, CurrentPrincipal, Principal, RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { ApiEventStream } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { ApiStreamFilterQuery, ApiStreamProblems } from '../openapi-decorators';
import { eventStreamExamples } from '../openapi-schemas';
import { SseService } from './sse.service';
import { parseStreamRequest } from './stream-request';

/**
 * `GET /api/v1/events/stream`: notifier events of the caller's tenant as
 * server-sent events, with Last-Event-ID resume. Needs `orch:read`; the tenant
 * comes from the token (`X-Orch-Tenant` or `?tenant=` only choose among the
 * token's tenants). EventSource cannot set headers, so this route also takes
 * `?access_token=` (ADR 0006). Written on the raw response (no `@Sse`) so
 * buffering and backpressure stay under control. Errors before the stream
 * starts (bad request, bad token, NATS unavailable) leave as problem+json
 * through the global ProblemJsonFilter.
 */
@ApiTags('events')
@Controller('api/v1/events')
export class SseController {
  constructor(private readonly sse: SseService) {}

  @Get('stream')
  @RequireScopes(Scopes.read)
  @AllowQueryToken()
  @ApiOperation({
    operationId: 'streamEvents',
    summary: "The tenant's notifier events as server-sent events",
    description:
      'Every notifier event (`orch.event.v1`, schema `NotifierEvent`) of the tenant that passes the filters, as it happens. Only new events by default; ' +
      '`from=start` replays what the NOTIFY stream retains; `Last-Event-ID` (or `?lastEventId=`) resumes after that event and wins over `from`. ' +
      'EventSource cannot set headers: `?access_token=` and `?tenant=` stand in for `Authorization` and `X-Orch-Tenant`.',
  })
  @ApiStreamFilterQuery('new')
  @ApiEventStream({
    description:
      'A `text/event-stream` that stays open. It starts with `retry: 2000`; then one frame per event: `id: <NOTIFY stream sequence>` (resume point), ' +
      '`event: <eventType>` (`job.queued`, `job.succeeded`, …), `data: <NotifierEvent JSON>`. Comment lines (`: keep-alive`) keep idle connections open. ' +
      'A stream that ends early sends a last `event: error` frame with `data: {code, reason}` (schema `StreamError`; codes `client_too_slow`, ' +
      '`stream_unavailable`, `token_expired`), a shutdown sends a comment; reconnect with `Last-Event-ID` to resume.',
    examples: eventStreamExamples,
  })
  @ApiStreamProblems()
  async stream(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const request = parseStreamRequest({ headers: req.headers, query: req.query as Record<string, unknown> }, principal.tenant);
    await this.sse.open(req, res, principal.expiresAt === undefined ? request : { ...request, expiresAt: principal.expiresAt });
  }
}
