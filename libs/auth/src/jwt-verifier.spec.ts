import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, SignJWT, type CryptoKey } from 'jose';
import { createHmac } from 'node:crypto';
import { OrchError } from '@orch/contracts';
import { JwtVerifier } from './jwt-verifier';

const ISSUER = 'orch-test';
const AUDIENCE = 'orch';

interface Signer {
  privateKey: CryptoKey;
  jwk: JWK;
  alg: string;
}

async function signer(alg: 'EdDSA' | 'ES256' | 'RS256', kid: string): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, alg, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('JwtVerifier', () => {
  let ed: Signer;
  let es: Signer;
  let rs: Signer;
  let stranger: Signer;
  let verifier: JwtVerifier;
  const now = () => Math.floor(Date.now() / 1000);

  const sign = (s: Signer, claims: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; exp?: number; sub?: string | null; kid?: string } = {}) => {
    let jwt = new SignJWT({ scope: 'orch:read', tenant: 'acme', ...claims })
      .setProtectedHeader({ alg: s.alg, kid: opts.kid ?? s.jwk.kid })
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? now() + 600);
    if (opts.sub !== null) jwt = jwt.setSubject(opts.sub ?? 'alice');
    return jwt.sign(s.privateKey);
  };

  async function refusal(token: string, v = verifier): Promise<OrchError> {
    try {
      await v.verify(token);
    } catch (err) {
      expect(err).toBeInstanceOf(OrchError);
      return err as OrchError;
    }
    throw new Error('expected the token to be refused');
  }

  beforeAll(async () => {
    [ed, es, rs, stranger] = await Promise.all([signer('EdDSA', 'ed'), signer('ES256', 'es'), signer('RS256', 'rs'), signer('EdDSA', 'ed')]);
    const jwks: JSONWebKeySet = { keys: [ed.jwk, es.jwk, rs.jwk] };
    verifier = new JwtVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: 5 });
  });

  it.each(['EdDSA', 'ES256', 'RS256'])('accepts a good %s token and returns its subject, scopes and tenants', async (alg) => {
    const s = { EdDSA: ed, ES256: es, RS256: rs }[alg]!;
    const claims = await verifier.verify(await sign(s, { scope: 'orch:read orch:operate' }));
    expect(claims).toEqual({ subject: 'alice', scopes: ['orch:read', 'orch:operate'], tenants: ['acme'], expiresAt: expect.any(Number) });
    expect(claims.expiresAt! - Date.now()).toBeGreaterThan(500_000);
  });

  it('refuses an expired token, beyond the clock tolerance only', async () => {
    expect(await refusal(await sign(ed, {}, { exp: now() - 30 }))).toMatchObject({ code: 'unauthorized', status: 401, message: 'invalid token: expired' });
    await expect(verifier.verify(await sign(ed, {}, { exp: now() - 2 }))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses a wrong issuer or audience, naming the claim', async () => {
    expect((await refusal(await sign(ed, {}, { iss: 'someone-else' }))).message).toBe('invalid token: the iss claim is not acceptable');
    expect((await refusal(await sign(ed, {}, { aud: 'other-api' }))).message).toBe('invalid token: the aud claim is not acceptable');
  });

  it('refuses a token without sub or exp', async () => {
    expect((await refusal(await sign(ed, {}, { sub: null }))).message).toContain('sub');
    const noExp = await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'EdDSA', kid: 'ed' }).setSubject('a').setIssuer(ISSUER).setAudience(AUDIENCE).sign(ed.privateKey);
    expect((await refusal(noExp)).message).toBe('invalid token: the exp claim is missing');
  });

  it('refuses a token signed by another key, whatever kid it claims', async () => {
    expect((await refusal(await sign(stranger))).message).toBe('invalid token: the signature does not verify');
    expect((await refusal(await sign(stranger, {}, { kid: 'unknown' }))).message).toBe('invalid token: no verification key matches it');
  });

  it('refuses alg none and HS256 (even keyed with the public key), and a tampered payload', async () => {
    const payload = { sub: 'mallory', tenant: 'acme', scope: 'orch:read orch:operate', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 };
    const none = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
    expect(await refusal(none)).toMatchObject({ code: 'unauthorized' });

    const signingInput = `${base64url({ alg: 'HS256', kid: 'ed' })}.${base64url(payload)}`;
    const mac = createHmac('sha256', JSON.stringify(ed.jwk)).update(signingInput).digest('base64url');
    expect((await refusal(`${signingInput}.${mac}`)).message).toMatch(/algorithm not allowed/);

    const [header, , signature] = (await sign(ed)).split('.');
    expect((await refusal(`${header}.${base64url(payload)}.${signature}`)).message).toBe('invalid token: the signature does not verify');
  });

  it('refuses garbage as unauthorized, never as a server error', async () => {
    for (const token of ['a.b.c', 'x', `${base64url({ alg: 'EdDSA' })}.not-json.x`]) {
      expect(await refusal(token)).toMatchObject({ code: 'unauthorized', status: 401 });
    }
  });

  it('refuses claims of the wrong shape', async () => {
    expect((await refusal(await sign(ed, { tenant: 'ACME' }))).message).toMatch(/tenant ids must match/);
    expect((await refusal(await sign(ed, { tenants: 'acme' }))).message).toMatch(/tenants claim must be an array/);
    expect((await refusal(await sign(ed, { scope: 42 }))).message).toMatch(/scope claim/);
  });

  it('needs exactly one key source', () => {
    expect(() => new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE })).toThrow(/exactly one/);
    expect(() => new JwtVerifier({ jwksUrl: 'https://idp.example/jwks', jwks: { keys: [] }, issuer: ISSUER, audience: AUDIENCE })).toThrow(/exactly one/);
  });
});
