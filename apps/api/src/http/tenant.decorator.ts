import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { parseTenantHeader, TENANT_HEADER } from './headers';

/**
 * The tenant the request acts for. Read from `X-Orch-Tenant` for now; when JWT
 * auth arrives it comes from the token, and only this decorator changes.
 */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  parseTenantHeader(context.switchToHttp().getRequest<Request>().headers[TENANT_HEADER]),
);
