import { OrchError } from '@orch/contracts';

/** Query parameter carrying the token on stream routes (RFC 6750 §2.3), for clients that cannot set headers. */
export const ACCESS_TOKEN_QUERY = 'access_token';
/** Longest token accepted; anything longer is refused before any cryptography runs. */
export const TOKEN_MAX_LENGTH = 8_192;

/** Three base64url segments (a JWS in compact serialization). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Why a request has no usable token; `missing` means none was sent at all (no `error=` in WWW-Authenticate). */
export class BearerError extends OrchError {
  constructor(
    readonly tokenSent: boolean,
    detail: string,
  ) {
    super('unauthorized', detail, { retryable: false });
  }
}

/** Where the caller put its credentials. */
export interface CredentialSources {
  authorization: string | string[] | undefined;
  /** The request's query (`req.query`). */
  query: Record<string, unknown>;
  /** Whether the route accepts `?access_token=`. */
  allowQueryToken: boolean;
}

/**
 * The bearer token of a request: `Authorization: Bearer <jwt>`, or, where the
 * route allows it, `?access_token=<jwt>`. Sending both is refused (RFC 6750:
 * one method per request).
 *
 * @throws BearerError (401) when no token was sent or it is not a compact JWS.
 */
export function extractBearerToken(src: CredentialSources): string {
  const fromHeader = headerToken(src.authorization);
  const rawQuery = src.query[ACCESS_TOKEN_QUERY];
  if (rawQuery !== undefined && !src.allowQueryToken) {
    throw new BearerError(true, `the ${ACCESS_TOKEN_QUERY} query parameter is accepted only on stream routes; send Authorization: Bearer <token>`);
  }
  if (rawQuery !== undefined && typeof rawQuery !== 'string') throw new BearerError(true, `${ACCESS_TOKEN_QUERY} must be given once`);
  const fromQuery = typeof rawQuery === 'string' && rawQuery !== '' ? rawQuery : undefined;
  if (fromHeader !== undefined && fromQuery !== undefined) {
    throw new BearerError(true, `send the token either in Authorization or in ${ACCESS_TOKEN_QUERY}, not both`);
  }
  const token = fromHeader ?? fromQuery;
  if (token === undefined) {
    throw new BearerError(false, src.allowQueryToken ? `send Authorization: Bearer <token> or ?${ACCESS_TOKEN_QUERY}=<token>` : 'send Authorization: Bearer <token>');
  }
  if (token.length > TOKEN_MAX_LENGTH) throw new BearerError(true, `invalid token: longer than ${TOKEN_MAX_LENGTH} characters`);
  if (!COMPACT_JWS.test(token)) throw new BearerError(true, 'invalid token: not a JWT in compact form');
  return token;
}

function headerToken(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw new BearerError(true, 'Authorization must be sent once');
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(raw.trim());
  if (!match) throw new BearerError(raw.trim() !== '', 'Authorization must be "Bearer <token>"');
  return match[1];
}
