import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OrchError, Scope } from '@orch/contracts';
import { PUBLIC_ROUTE } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { BearerError, extractBearerToken } from './bearer';
import { TokenClaims } from './claims';
import { ALLOW_QUERY_TOKEN, OPERATOR_ACTION, OperatorActionOptions, REQUIRED_SCOPES } from './decorators';
import { JwtVerifier } from './jwt-verifier';
import { operatorContext } from './operator-headers';
import { setOperator, setPrincipal } from './principal';
import { resolveTenant, TENANT_HEADER, tenantSelector } from './tenant';

/** Realm sent in `WWW-Authenticate`. */
export const AUTH_REALM = 'orch';

/** RFC 6750 §3: the challenge of a 401 (`error="invalid_token"` only when a token was sent) or a scope 403. */
export function bearerChallenge(error?: { code: 'invalid_token' | 'insufficient_scope'; description?: string; scope?: string }): string {
  // error_description and scope may not contain `"` or `\` (RFC 6750 §3).
  const quoted = (s: string) => s.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  let challenge = `Bearer realm="${AUTH_REALM}"`;
  if (error) challenge += `, error="${error.code}"`;
  if (error?.description) challenge += `, error_description="${quoted(error.description)}"`;
  if (error?.scope) challenge += `, scope="${quoted(error.scope)}"`;
  return challenge;
}

/**
 * The global guard of `AuthModule`: every HTTP route needs a valid bearer token
 * unless it is `@Public()`. In order: the token verifies (else 401 with
 * `WWW-Authenticate`), the route's scopes are all granted (else 403), the tenant
 * resolves ({@link resolveTenant}), and an `@OperatorAction()` carries its
 * headers (else 400). The principal and operator context are then available to
 * `@CurrentPrincipal()` / `@CurrentOperator()` and to later interceptors
 * (`principalOf(req)`). NATS handlers are not HTTP and pass untouched.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('AuthGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();

    const declared = targets.map((t) => this.reflector.get<Scope[] | undefined>(REQUIRED_SCOPES, t)).filter((s) => s !== undefined);
    if (declared.length === 0) {
      // Fail closed and loudly: a route nobody classified must not be open to every token.
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} has neither @Public() nor @RequireScopes()`);
      throw new OrchError('internal', 'route has no access policy');
    }
    const allowQueryToken = this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_QUERY_TOKEN, targets) === true;

    const claims = await this.authenticate(req, res, allowQueryToken);
    const required = [...new Set(declared.flat())];
    const missing = required.filter((s) => !claims.scopes.includes(s));
    if (missing.length > 0) {
      res.setHeader('WWW-Authenticate', bearerChallenge({ code: 'insufficient_scope', scope: required.join(' ') }));
      throw new OrchError('forbidden', `this operation requires scope ${missing.join(', ')}`, { retryable: false });
    }
    const selector = tenantSelector(req.headers[TENANT_HEADER], allowQueryToken ? (req.query as Record<string, unknown>)['tenant'] : undefined);
    setPrincipal(req, { ...claims, tenant: resolveTenant(claims.tenants, selector) });

    const action = this.reflector.getAllAndOverride<Required<OperatorActionOptions> | undefined>(OPERATOR_ACTION, targets);
    if (action) setOperator(req, operatorContext(claims, req.headers, action.ticket));
    return true;
  }

  private async authenticate(req: Request, res: Response, allowQueryToken: boolean): Promise<TokenClaims> {
    try {
      const token = extractBearerToken({ authorization: req.headers.authorization, query: req.query as Record<string, unknown>, allowQueryToken });
      return await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof OrchError && err.code === 'unauthorized') {
        const tokenSent = !(err instanceof BearerError) || err.tokenSent;
        res.setHeader('WWW-Authenticate', bearerChallenge(tokenSent ? { code: 'invalid_token', description: err.message } : undefined));
      }
      throw err;
    }
  }
}
