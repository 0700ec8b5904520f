import { Controller, Get, Req, Res } from '@nestjs/common';
import { AllowQueryToken, CurrentPrincipal, Principal, RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import type { Request, Response } from 'express';
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
@Controller('api/v1/events')
export class SseController {
  constructor(private readonly sse: SseService) {}

  @Get('stream')
  @RequireScopes(Scopes.read)
  @AllowQueryToken()
  async stream(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const request = parseStreamRequest({ headers: req.headers, query: req.query as Record<string, unknown> }, principal.tenant);
    await this.sse.open(req, res, principal.expiresAt === undefined ? request : { ...request, expiresAt: principal.expiresAt });
  }
}
