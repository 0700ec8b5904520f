import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { OrchError } from '@orch/contracts';
import { readClaims, TokenClaims } from './claims';

/** Default `iss` expected (and written by `npm run token`). */
export const AUTH_ISSUER_DEFAULT = 'orch-dev';
/** Default `aud` expected. */
export const AUTH_AUDIENCE_DEFAULT = 'orch';
/** Default leeway for `exp`/`nbf`/`iat` between the issuer's clock and ours. */
export const AUTH_CLOCK_TOLERANCE_DEFAULT_S = 30;
/**
 * Signature algorithms accepted. Asymmetric only: a shared HMAC secret would let
 * every verifier mint tokens, and `none` is never acceptable.
 */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
/** How long a remote JWKS is cached before it is fetched again (a key rotation shows up within this). */
export const REMOTE_JWKS_CACHE_MS = 10 * 60_000;
/** Fetch timeout of the remote JWKS. */
export const REMOTE_JWKS_TIMEOUT_MS = 5_000;

/** Where the verification keys come from and what the tokens must say. Exactly one key source. */
export interface JwtVerifierOptions {
  /** The identity provider's JWKS endpoint (production). */
  jwksUrl?: string;
  /** A local JWKS JSON file with public keys (development, tests). */
  jwksFile?: string;
  /** A JWKS given in memory (unit tests). */
  jwks?: JSONWebKeySet;
  /** Required `iss`. */
  issuer: string;
  /** Required `aud` (one of the token's audiences). */
  audience: string;
  /** Leeway for time claims, seconds. */
  clockToleranceSec?: number;
}

/**
 * Reads and checks a JWKS file: a JSON object whose `keys` is a non-empty array
 * of public JWKs. A key with private members (`d`, `p`, `q`, …) is refused: the
 * verifiers' key file must never be able to sign.
 *
 * @throws Error naming the file and what is wrong with it.
 */
export function loadJwksFile(path: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`JWKS file ${path} cannot be read as JSON: ${(cause as Error).message}`, { cause });
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`JWKS file ${path} must be an object with a non-empty "keys" array`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') {
      throw new Error(`JWKS file ${path}: every key must be a JWK object with "kty"`);
    }
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in key)) {
      throw new Error(`JWKS file ${path} holds private or symmetric key material; it must contain public keys only`);
    }
  }
  return parsed as JSONWebKeySet;
}

/**
 * Verifies bearer JWTs: signature against the configured JWKS (asymmetric
 * algorithms only), `iss`, `aud`, `exp` (required) and `nbf` with a clock
 * tolerance, then reads Orch's claims ({@link readClaims}).
 */
export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly remote: boolean;

  /** @throws Error when not exactly one key source is given, or the JWKS file is unusable. */
  constructor(private readonly options: JwtVerifierOptions) {
    const sources = [options.jwksUrl, options.jwksFile, options.jwks].filter((s) => s !== undefined && s !== '');
    if (sources.length !== 1) throw new Error('JwtVerifier needs exactly one of jwksUrl, jwksFile or jwks');
    this.remote = !!options.jwksUrl;
    if (options.jwksUrl) {
      this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: REMOTE_JWKS_CACHE_MS, timeoutDuration: REMOTE_JWKS_TIMEOUT_MS });
    } else {
      this.keys = createLocalJWKSet(options.jwks ?? loadJwksFile(options.jwksFile!));
    }
  }

  /**
   * The claims of a valid token.
   *
   * @throws OrchError `unauthorized` (401) for any token that does not verify
   *   (the detail says why: expired, wrong issuer, bad signature, …);
   *   `unavailable` (503) when a remote JWKS cannot be fetched.
   */
  async verify(token: string): Promise<TokenClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: this.options.clockToleranceSec ?? AUTH_CLOCK_TOLERANCE_DEFAULT_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw this.failure(err);
    }
    return readClaims(payload);
  }

  private failure(err: unknown): OrchError {
    const invalid = (detail: string) => new OrchError('unauthorized', `invalid token: ${detail}`, { cause: err, retryable: false });
    if (err instanceof errors.JWTExpired) return invalid('expired');
    if (err instanceof errors.JWTClaimValidationFailed) return invalid(`the ${err.claim} claim ${err.reason === 'missing' ? 'is missing' : 'is not acceptable'}`);
    if (err instanceof errors.JOSEAlgNotAllowed) return invalid(`algorithm not allowed (use one of ${ALLOWED_ALGORITHMS.join(', ')})`);
    if (err instanceof errors.JWKSNoMatchingKey) return invalid('no verification key matches it');
    if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('the signature does not verify');
    if (this.remote && (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError) || err.code === 'ERR_JOSE_GENERIC')) {
      return new OrchError('unavailable', 'the verification keys of the identity provider cannot be fetched; retry later', { cause: err });
    }
    return invalid('malformed or not verifiable');
  }
}
