import { PUBLIC_ROUTE } from '../http/public-route';
import type { HttpRoute } from './http-routes';

/** Who may call a route, as the OpenAPI document states it. */
export type RouteAccess =
  | { public: true }
  | {
      public: false;
      /** Scopes the route requires, all of them. */
      scopes: readonly string[];
      /** Also takes the token from `?access_token=` and the tenant from `?tenant=` (streams). */
      queryToken: boolean;
      /** An operator action: `X-Orch-Reason` required, `X-Orch-Ticket` as the policy says. */
      operator?: { ticket: 'required' | 'optional' };
    };

/**
 * How a route's access is read; `undefined` means the route declares none (the
 * auth guard then answers 500), which the document check reports.
 */
export type RouteAccessResolver = (route: Pick<HttpRoute, 'controller' | 'handler'>) => RouteAccess | undefined;

/** Metadata keys of the auth decorators (libs/auth: REQUIRED_SCOPES, ALLOW_QUERY_TOKEN, OPERATOR_ACTION). */
export interface AccessMetadataKeys {
  scopes: string;
  queryToken: string;
  operator: string;
}

/**
 * A resolver that reads the route metadata the auth guard reads, with the
 * guard's rules: `@Public()` and the query-token and operator flags on the
 * handler override the controller's, scope lists of both add up. Taking the
 * keys as parameters keeps service-kit independent of libs/auth (which
 * depends on it); the document then states exactly what the guard enforces,
 * with no second declaration to drift.
 */
export function metadataRouteAccess(keys: AccessMetadataKeys): RouteAccessResolver {
  return ({ controller, handler }) => {
    const targets: object[] = [handler, controller];
    const first = <T>(key: string): T | undefined => {
      for (const t of targets) {
        const v = Reflect.getMetadata(key, t) as T | undefined;
        if (v !== undefined) return v;
      }
      return undefined;
    };
    if (first<boolean>(PUBLIC_ROUTE)) return { public: true };
    const declared = targets.map((t) => Reflect.getMetadata(keys.scopes, t) as string[] | undefined).filter((s): s is string[] => s !== undefined);
    if (declared.length === 0) return undefined;
    const operator = first<{ ticket: 'required' | 'optional' }>(keys.operator);
    return {
      public: false,
      scopes: [...new Set(declared.flat())],
      queryToken: first<boolean>(keys.queryToken) === true,
      ...(operator ? { operator: { ticket: operator.ticket } } : {}),
    };
  };
}

/** The default resolver: only knows `@Public()`; every other route is unclassified. */
export const publicOnlyRouteAccess: RouteAccessResolver = ({ controller, handler }) =>
  Reflect.getMetadata(PUBLIC_ROUTE, handler) === true || Reflect.getMetadata(PUBLIC_ROUTE, controller) === true ? { public: true } : undefined;
