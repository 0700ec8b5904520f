import { OperatorContext } from '@orch/contracts';
import type { TokenClaims } from './claims';

/** The authenticated caller of one request and the tenant it acts for. */
export interface Principal extends TokenClaims {
  /** The tenant of this request: the token's only tenant, or the one `X-Orch-Tenant` selected. */
  tenant: string;
}

// Keyed by the request object, so nothing is added to express's Request type and nothing outlives the request.
const principals = new WeakMap<object, Principal>();
const operators = new WeakMap<object, OperatorContext>();

/** Records the principal of a request (the auth guard does this). */
export function setPrincipal(req: object, principal: Principal): void {
  principals.set(req, principal);
}

/** The principal of an authenticated request; undefined on public routes. */
export function principalOf(req: object): Principal | undefined {
  return principals.get(req);
}

/** Records the operator context of an operator action (the auth guard does this). */
export function setOperator(req: object, operator: OperatorContext): void {
  operators.set(req, operator);
}

/** The operator context of a request to an `@OperatorAction()` route. */
export function operatorOf(req: object): OperatorContext | undefined {
  return operators.get(req);
}
