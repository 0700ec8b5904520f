import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SseService } from './sse.service';
import { parseStreamRequest } from './stream-request';

/**
 * `GET /api/v1/events/stream`: notifier events of one tenant as server-sent
 * events, with Last-Event-ID resume. Written on the raw response (no `@Sse`) so
 * buffering and backpressure stay under control. Errors before the stream
 * starts (bad request, NATS unavailable) leave as problem+json through the
 * global ProblemJsonFilter.
 */
@Controller('api/v1/events')
export class SseController {
  constructor(private readonly sse: SseService) {}

  @Get('stream')
  async stream(@Req() req: Request, @Res() res: Response): Promise<void> {
    const request = parseStreamRequest({ headers: req.headers, query: req.query as Record<string, unknown> });
    await this.sse.open(req, res, request);
  }
}
