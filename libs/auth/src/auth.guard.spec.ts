import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OrchError, Scopes } from '@orch/contracts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthGuard } from './auth.guard';
import { AllowQueryToken, OperatorAction, Public, RequireScopes } from './decorators';
import { JwtVerifier } from './jwt-verifier';
import { operatorOf, principalOf } from './principal';

// Handlers only carry metadata here; their bodies never run.
@RequireScopes(Scopes.read)
class Routes {
  read(): string {
    return 'read';
  }
  @RequireScopes(Scopes.operate) @OperatorAction() cancel(): string {
    return 'cancel';
  }
  @RequireScopes(Scopes.backfill) @OperatorAction({ ticket: 'required' }) backfill(): string {
    return 'backfill';
  }
  @AllowQueryToken() stream(): string {
    return 'stream';
  }
  @Public() health(): string {
    return 'health';
  }
}

class Unclassified {
  anything(): string {
    return 'anything';
  }
}

interface FakeRequest {
  headers: Record<string, string>;
  query: Record<string, unknown>;
}

describe('AuthGuard', () => {
  let key: CryptoKey;
  let guard: AuthGuard;

  const token = (claims: Record<string, unknown>, exp = Math.floor(Date.now() / 1000) + 600) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'k' }).setSubject('alice').setIssuer('iss').setAudience('aud').setExpirationTime(exp).sign(key);

  function run(cls: object, handler: string, req: FakeRequest, type = 'http') {
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) };
    const ctx = {
      getType: () => type,
      getClass: () => cls,
      getHandler: () => (cls as { prototype: Record<string, unknown> }).prototype[handler],
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
    return { outcome: guard.canActivate(ctx), headers };
  }

  async function refused(cls: object, handler: string, req: FakeRequest): Promise<{ err: OrchError; headers: Record<string, string> }> {
    const { outcome, headers } = run(cls, handler, req);
    try {
      await outcome;
    } catch (err) {
      return { err: err as OrchError, headers };
    }
    throw new Error('expected a refusal');
  }

  const bearer = async (claims: Record<string, unknown>, extra: Record<string, string> = {}): Promise<FakeRequest> => ({
    headers: { authorization: `Bearer ${await token(claims)}`, ...extra },
    query: {},
  });

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    key = pair.privateKey;
    const verifier = new JwtVerifier({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'EdDSA' }] }, issuer: 'iss', audience: 'aud' });
    guard = new AuthGuard(new Reflector(), verifier);
  });

  it('lets public routes and non-HTTP contexts through without a token', async () => {
    await expect(run(Routes, 'health', { headers: {}, query: {} }).outcome).resolves.toBe(true);
    await expect(run(Routes, 'read', { headers: {}, query: {} }, 'rpc').outcome).resolves.toBe(true);
  });

  it('answers 401 with a bare challenge without a token, and invalid_token for a bad one', async () => {
    const none = await refused(Routes, 'read', { headers: {}, query: {} });
    expect(none.err).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(none.headers['www-authenticate']).toBe('Bearer realm="orch"');
    const expired = await refused(Routes, 'read', { headers: { authorization: `Bearer ${await token({ tenant: 'a' }, 1_000)}` }, query: {} });
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="orch", error="invalid_token", error_description="invalid token: expired"');
  });

  it('resolves the principal of a good token', async () => {
    const req = await bearer({ tenant: 'acme', scope: 'orch:read' });
    await expect(run(Routes, 'read', req).outcome).resolves.toBe(true);
    expect(principalOf(req)).toEqual({ subject: 'alice', scopes: ['orch:read'], tenants: ['acme'], tenant: 'acme', expiresAt: expect.any(Number) });
  });

  it('answers 403 naming the missing scope, with an insufficient_scope challenge; handler and class scopes add up', async () => {
    const { err, headers } = await refused(Routes, 'cancel', await bearer({ tenant: 'acme', scope: 'orch:operate' }, { 'x-orch-reason': 'r' }));
    expect(err).toMatchObject({ code: 'forbidden', status: 403, message: 'this operation requires scope orch:read' });
    expect(headers['www-authenticate']).toBe('Bearer realm="orch", error="insufficient_scope", scope="orch:operate orch:read"');
  });

  it('checks scopes before the tenant, and the tenant before operator headers', async () => {
    expect((await refused(Routes, 'cancel', await bearer({ tenants: ['a', 'b'], scope: 'orch:read' }))).err.code).toBe('forbidden');
    expect((await refused(Routes, 'cancel', await bearer({ tenants: ['a', 'b'], scope: 'orch:read orch:operate' }))).err.code).toBe('tenant_required');
    expect((await refused(Routes, 'cancel', await bearer({ tenant: 'a', scope: 'orch:read orch:operate' }))).err).toMatchObject({ code: 'validation_failed', errors: [{ path: 'X-Orch-Reason' }] });
  });

  it('selects a tenant with X-Orch-Tenant and refuses one the token does not grant', async () => {
    const req = await bearer({ tenants: ['a', 'b'], scope: 'orch:read' }, { 'x-orch-tenant': 'b' });
    await run(Routes, 'read', req).outcome;
    expect(principalOf(req)?.tenant).toBe('b');
    expect((await refused(Routes, 'read', await bearer({ tenants: ['a', 'b'], scope: 'orch:read' }, { 'x-orch-tenant': 'c' }))).err.code).toBe('forbidden');
  });

  it('records the operator context of an operator action, requiring the ticket where declared', async () => {
    const scope = 'orch:read orch:operate orch:backfill';
    const req = await bearer({ tenant: 'a', scope }, { 'x-orch-reason': 'reprocess', 'x-orch-ticket': 'OPS-1' });
    await run(Routes, 'backfill', req).outcome;
    expect(operatorOf(req)).toEqual({ subject: 'alice', scopes: ['orch:read', 'orch:operate', 'orch:backfill'], reason: 'reprocess', ticket: 'OPS-1' });
    const noTicket = await refused(Routes, 'backfill', await bearer({ tenant: 'a', scope }, { 'x-orch-reason': 'reprocess' }));
    expect(noTicket.err).toMatchObject({ code: 'validation_failed', errors: [{ path: 'X-Orch-Ticket' }] });
  });

  it('takes ?access_token= and ?tenant= on stream routes only', async () => {
    const jwt = await token({ tenants: ['a', 'b'], scope: 'orch:read' });
    const req = { headers: {}, query: { access_token: jwt, tenant: 'b' } };
    await run(Routes, 'stream', req).outcome;
    expect(principalOf(req)?.tenant).toBe('b');
    expect((await refused(Routes, 'read', { headers: {}, query: { access_token: jwt, tenant: 'b' } })).err.code).toBe('unauthorized');
  });

  it('refuses (500) a route that declares neither scopes nor @Public()', async () => {
    const { err } = await refused(Unclassified, 'anything', await bearer({ tenant: 'a', scope: 'orch:read' }));
    expect(err).toMatchObject({ code: 'internal', status: 500 });
  });
});
