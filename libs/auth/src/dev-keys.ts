import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { AUTH_AUDIENCE_DEFAULT, AUTH_ISSUER_DEFAULT } from './jwt-verifier';

/** Algorithm of development keys: Ed25519 signatures (small keys, fast, deterministic). */
export const DEV_KEY_ALG = 'EdDSA';
/** File names inside the dev key directory. */
export const DEV_PRIVATE_KEY_FILE = 'private.jwk.json';
export const DEV_JWKS_FILE = 'jwks.json';

/** A development signing key and the public JWKS that verifies it. */
export interface DevKeys {
  /** The directory holding both files. */
  dir: string;
  /** The private JWK (signs tokens; never given to services). */
  privateJwk: JWK;
  /** Path of the public JWKS: what `AUTH_JWKS_FILE` points at. */
  jwksFile: string;
  jwks: JSONWebKeySet;
}

/** The repository's dev key directory: `.orch/dev-jwt` (git-ignored). */
export function defaultDevKeyDir(repoRoot: string): string {
  return path.join(repoRoot, '.orch', 'dev-jwt');
}

/**
 * Loads the Ed25519 development key pair from `dir`, creating it when missing:
 * `private.jwk.json` (mode 0600) and `jwks.json` (the public key, `kid` = its
 * RFC 7638 thumbprint). Both files are written into a fresh directory that is
 * then renamed into place, so concurrent callers (`npm start` and `npm run
 * token`) end up with one matching pair. For development and tests only;
 * production verifies against the identity provider's JWKS.
 */
export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  const privateFile = path.join(dir, DEV_PRIVATE_KEY_FILE);
  const jwksFile = path.join(dir, DEV_JWKS_FILE);
  if (!existsSync(privateFile) || !existsSync(jwksFile)) {
    mkdirSync(path.dirname(dir), { recursive: true });
    const staging = mkdtempSync(`${dir}.tmp-`);
    try {
      const { publicKey, privateKey } = await generateKeyPair(DEV_KEY_ALG, { crv: 'Ed25519', extractable: true });
      const pub = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(pub);
      const publicJwk: JWK = { ...pub, kid, alg: DEV_KEY_ALG, use: 'sig' };
      const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: DEV_KEY_ALG, use: 'sig' };
      writeFileSync(path.join(staging, DEV_PRIVATE_KEY_FILE), `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
      writeFileSync(path.join(staging, DEV_JWKS_FILE), `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`, { mode: 0o644 });
      renameSync(staging, dir);
    } catch (err) {
      // Lost a race with another process (its directory is in place now) or failed: keep whatever is complete.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(privateFile) || !existsSync(jwksFile)) {
        throw new Error(`cannot create development keys in ${dir} (delete the directory to start over): ${(err as Error).message}`, { cause: err });
      }
    }
  }
  return {
    dir,
    privateJwk: JSON.parse(readFileSync(privateFile, 'utf8')) as JWK,
    jwksFile,
    jwks: JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet,
  };
}

/** What a development token says. */
export interface DevTokenClaims {
  subject: string;
  scopes: readonly string[];
  /** One tenant (`tenant` claim) … */
  tenant?: string;
  /** … or several (`tenants` claim). */
  tenants?: readonly string[];
  /** Lifetime in seconds (negative: already expired, for tests). */
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** Signs a token with a development key (issuer/audience default to what the services expect). */
export async function signDevToken(privateJwk: JWK, claims: DevTokenClaims): Promise<string> {
  const key = await importJWK(privateJwk, DEV_KEY_ALG);
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { scope: claims.scopes.join(' ') };
  if (claims.tenant !== undefined) body['tenant'] = claims.tenant;
  if (claims.tenants !== undefined) body['tenants'] = [...claims.tenants];
  return new SignJWT(body)
    .setProtectedHeader({ alg: DEV_KEY_ALG, typ: 'JWT', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer ?? AUTH_ISSUER_DEFAULT)
    .setAudience(claims.audience ?? AUTH_AUDIENCE_DEFAULT)
    .setIssuedAt(now)
    .setExpirationTime(now + claims.ttlSeconds)
    .setJti(uuidv7())
    .sign(key);
}
