import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AllowQueryToken, CurrentPrincipal, Principal, RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { ApiWebSocketUpgrade, schemaRef } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { ApiStreamFilterQuery, ApiStreamProblems } from '../openapi-decorators';
import { S, WS_CLOSE_CODES } from '../openapi-schemas';
import { parseWsStreamRequest } from './ws-request';
import { WsStreamService } from './ws-stream.service';

/**
 * `GET /api/v1/events/ws` (WebSocket): the notifier events of the caller's
 * tenant as JSON messages `{seq, event}`, `seq` being the NOTIFY stream
 * sequence (the SSE id). Same access rules as the SSE stream: `orch:read`,
 * tenant from the token, `?access_token=` allowed (browsers cannot set
 * headers on a WebSocket). Query: `since` (resume after that seq),
 * `from=start`, filters `project`, `jobType`, `correlationId`. Refusals
 * (401, 403, 400, 503) are problem+json answers to the upgrade request.
 */
@ApiTags('events')
@Controller('api/v1/events')
export class WsController {
  constructor(private readonly ws: WsStreamService) {}

  @Get('ws')
  @ApiOperation({
    operationId: 'streamEventsWebSocket',
    summary: 'Notifier events of the tenant over a WebSocket',
    description:
      'Upgrade to a WebSocket carrying `{seq, event}` messages (event: orch.event.v1; seq: the NOTIFY stream sequence, ' +
      'the same numbering as the SSE ids). Query: `since` (resume after that seq), `from=start`, filters `project`, `jobType`, ' +
      '`correlationId`; `access_token` and `tenant` for clients that cannot set headers. Close codes: 1008 `client_too_slow` ' +
      'or `token_expired`, 1001 `server_shutdown`, 1011 `stream_unavailable`. A plain GET (no upgrade) is 400.',
  })
  @RequireScopes(Scopes.read)
  @AllowQueryToken()
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'Resume after this `seq` (the last message received); wins over `from`.',
    schema: { type: 'string', pattern: '^\\d{1,16}$' },
  })
  @ApiStreamFilterQuery('new')
  @ApiWebSocketUpgrade({
    description:
      `Each text message is an \`EventStreamMessage\` \`{seq, event}\`; the server pings every \`WS_PING_INTERVAL_MS\` and drops a client that missed a pong. ` +
      `Close codes: ${WS_CLOSE_CODES}. Clients send nothing.`,
    serverMessages: { event: schemaRef(S.wsMessage) },
  })
  @ApiStreamProblems({ plainGet: true })
  async connect(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const request = parseWsStreamRequest(req.query as Record<string, unknown>, principal.tenant);
    await this.ws.accept(req, res, principal.expiresAt === undefined ? request : { ...request, expiresAt: principal.expiresAt });
  }
}
