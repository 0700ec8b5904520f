import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { mapBodyParserError } from './body-parser-errors';
import { API_VERSION, API_VERSION_HEADER, JSON_MEDIA_TYPES } from './headers';

/** Limits applied before any route runs. */
export interface HttpLimits {
  maxBodyBytes: number;
}

/**
 * The HTTP pipeline in front of the routes, for `bootstrapService`'s `configure`.
 * Order matters: the version header is set first so even parser errors and 404s
 * carry it; the JSON parser (our limit; Nest then skips its 100 kB default) comes
 * next; its errors are mapped to Orch errors before Nest's error handler hands
 * them to the ProblemJsonFilter (registered by bootstrapService).
 */
export function configureHttp(app: INestApplication, limits: HttpLimits): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader(API_VERSION_HEADER, API_VERSION);
    next();
  });
  express.useBodyParser('json', { limit: limits.maxBodyBytes, type: JSON_MEDIA_TYPES });
  express.use((err: unknown, _req: Request, _res: Response, next: NextFunction) => next(mapBodyParserError(err, limits.maxBodyBytes)));
}
