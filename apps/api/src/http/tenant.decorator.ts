import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { principalOf } from '@orch/auth';
import { OrchError } from '@orch/contracts';

/**
 * The tenant the request acts for: the one the auth guard resolved from the
 * token (and `X-Orch-Tenant` when the token lists several). Never read from the
 * request itself.
 */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  if (!principal) throw new OrchError('internal', '@TenantId() used on a route without authentication');
  return principal.tenant;
});
