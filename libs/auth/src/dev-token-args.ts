import { parseArgs } from 'node:util';
import { ALL_SCOPES, ID_TOKEN_PATTERN, Scope } from '@orch/contracts';
import { SUBJECT_MAX_LENGTH, TOKEN_TENANTS_MAX } from './claims';

/** Longest lifetime of a development token. */
export const DEV_TOKEN_TTL_MAX_S = 30 * 86_400;
/** Default lifetime of a development token. */
export const DEV_TOKEN_TTL_DEFAULT_S = 3_600;

/** Usage of `npm run token`. */
export const TOKEN_USAGE = `usage: npm run -s token -- --tenant <id> | --tenants <a,b,...> --scopes <s1,s2,...> [--sub <subject>] [--ttl <n>[s|m|h|d]] [--keys <dir>]
  --tenant   the tenant the token acts for
  --tenants  several tenants; requests then choose one with X-Orch-Tenant
  --scopes   comma-separated: ${ALL_SCOPES.join(', ')}
  --sub      subject (default "dev")
  --ttl      lifetime, e.g. 90s, 15m, 1h (default), 7d; at most 30d
  --keys     key directory (default .orch/dev-jwt; created when missing)`;

/** A refused command line; the message says what to fix. */
export class TokenArgsError extends Error {
  override readonly name = 'TokenArgsError';
}

/** What `npm run token` was asked for. */
export interface DevTokenRequest {
  subject: string;
  scopes: Scope[];
  tenant?: string;
  tenants?: string[];
  ttlSeconds: number;
  /** Key directory, when given. */
  keysDir?: string;
}

/** Parses `90s`, `15m`, `1h`, `7d` or plain seconds. */
export function parseTtl(raw: string): number {
  const match = /^(\d{1,7})([smhd]?)$/.exec(raw.trim());
  if (!match) throw new TokenArgsError(`--ttl must look like 90s, 15m, 1h or 7d (got ${JSON.stringify(raw)})`);
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > DEV_TOKEN_TTL_MAX_S) throw new TokenArgsError(`--ttl must be between 1s and 30d (got ${raw})`);
  return seconds;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function checkTenant(t: string): string {
  if (!ID_TOKEN_PATTERN.test(t)) throw new TokenArgsError(`bad tenant id ${JSON.stringify(t)}: tenant ids must match ${ID_TOKEN_PATTERN.source}`);
  return t;
}

/**
 * Parses the arguments of `npm run token`.
 * @throws TokenArgsError for unknown options, an unknown scope, a bad tenant id or ttl.
 */
export function parseTokenArgs(argv: readonly string[]): DevTokenRequest {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        tenants: { type: 'string' },
        scopes: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        keys: { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new TokenArgsError((err as Error).message);
  }
  if (values['tenant'] !== undefined && values['tenants'] !== undefined) throw new TokenArgsError('give --tenant or --tenants, not both');
  if (values['tenant'] === undefined && values['tenants'] === undefined) throw new TokenArgsError('--tenant <id> (or --tenants <a,b>) is required');
  if (values['scopes'] === undefined) throw new TokenArgsError(`--scopes is required (any of ${ALL_SCOPES.join(', ')})`);

  const scopes = list(values['scopes']);
  if (scopes.length === 0) throw new TokenArgsError('--scopes names no scope');
  for (const s of scopes) {
    if (!(ALL_SCOPES as readonly string[]).includes(s)) throw new TokenArgsError(`unknown scope ${JSON.stringify(s)}; known scopes: ${ALL_SCOPES.join(', ')}`);
  }
  const subject = values['sub'] ?? 'dev';
  if (subject.length === 0 || subject.length > SUBJECT_MAX_LENGTH) throw new TokenArgsError(`--sub must be 1-${SUBJECT_MAX_LENGTH} characters`);

  const request: DevTokenRequest = {
    subject,
    scopes: [...new Set(scopes)] as Scope[],
    ttlSeconds: values['ttl'] !== undefined ? parseTtl(values['ttl']) : DEV_TOKEN_TTL_DEFAULT_S,
    ...(values['keys'] !== undefined ? { keysDir: values['keys'] } : {}),
  };
  if (values['tenant'] !== undefined) request.tenant = checkTenant(values['tenant']);
  else {
    const tenants = [...new Set(list(values['tenants']!).map(checkTenant))];
    if (tenants.length === 0 || tenants.length > TOKEN_TENANTS_MAX) throw new TokenArgsError(`--tenants must name 1-${TOKEN_TENANTS_MAX} tenants`);
    request.tenants = tenants;
  }
  return request;
}
