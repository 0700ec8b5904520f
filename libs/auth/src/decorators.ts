import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { OperatorContext, OrchError, Scope } from '@orch/contracts';
import type { TicketPolicy } from './operator-headers';
import { operatorOf, Principal, principalOf } from './principal';

export { Public, PUBLIC_ROUTE } from '@orch/service-kit';

/** Metadata key of {@link RequireScopes}. */
export const REQUIRED_SCOPES = 'orch:required-scopes';
/** Metadata key of {@link AllowQueryToken}. */
export const ALLOW_QUERY_TOKEN = 'orch:allow-query-token';
/** Metadata key of {@link OperatorAction}. */
export const OPERATOR_ACTION = 'orch:operator-action';

/** Options of {@link OperatorAction}. */
export interface OperatorActionOptions {
  /** `'required'` for backfills; `'optional'` (default) records a ticket when one is sent. */
  ticket?: TicketPolicy;
}

/**
 * Scopes a route needs, all of them (handler and controller lists are merged).
 * Every route that is not `@Public()` must declare its scopes; `@RequireScopes()`
 * with none admits any valid token. A missing scope is 403 `forbidden`.
 */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPES, scopes);

/**
 * Lets a route take the token from `?access_token=` and the tenant from
 * `?tenant=`, for EventSource and WebSocket clients, which cannot set headers.
 * Only for streams: URLs end up in logs, histories and Referer headers, so a
 * token there is easier to leak than one in `Authorization` (ADR 0006).
 */
export const AllowQueryToken = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_QUERY_TOKEN, true);

/**
 * Marks an operator action (cancel, pause/resume, replay, quota change,
 * backfill): the request must carry `X-Orch-Reason` (≤256 characters) and, with
 * `ticket: 'required'`, `X-Orch-Ticket` (≤128); missing or too long is 400.
 * The handler reads them with {@link CurrentOperator}.
 */
export const OperatorAction = (options: OperatorActionOptions = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(OPERATOR_ACTION, { ticket: options.ticket ?? 'optional' } satisfies Required<OperatorActionOptions>);

/** The request's {@link Principal} (subject, scopes, tenants, resolved tenant). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  if (!principal) throw new OrchError('internal', '@CurrentPrincipal() used on a route without authentication');
  return principal;
});

/** The {@link OperatorContext} of an `@OperatorAction()` route: subject, scopes, reason, ticket. */
export const CurrentOperator = createParamDecorator((_data: unknown, context: ExecutionContext): OperatorContext => {
  const operator = operatorOf(context.switchToHttp().getRequest<object>());
  if (!operator) throw new OrchError('internal', '@CurrentOperator() used on a route without @OperatorAction()');
  return operator;
});
