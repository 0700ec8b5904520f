import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Version of Orch's HTTP API (`/api/v1`); bump the minor for additive changes, the major with a new base path. */
export const ORCH_API_VERSION = '1.0';
/** Response header naming the API version that answered (design.md, "API conventions"). */
export const API_VERSION_HEADER = 'X-Orch-Api-Version';

/**
 * Sets `X-Orch-Api-Version` on every response of `app`, errors and unknown
 * routes included. Call it first in `bootstrapService`'s `configure`, before
 * any middleware that may answer (body parsers), so their answers carry it too.
 */
export function useApiVersionHeader(app: INestApplication, version: string = ORCH_API_VERSION): void {
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader(API_VERSION_HEADER, version);
    next();
  });
}
