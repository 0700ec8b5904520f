import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEV_PRIVATE_KEY_FILE, signDevToken } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { E2eCluster, TestAuth } from '@orch/testing';
import type { JWK } from 'jose';

/** The two tenants of the suite: A is the caller, B the other tenant whose data must never show. */
export const TENANT_A = 'bi-a';
export const TENANT_B = 'bi-b';

/** Every token a case sends, valid or not. */
export interface Tokens {
  /** A's reads and writes (orch:read + orch:operate). */
  a: string;
  /** B's reads and writes. */
  b: string;
  /** A, orch:read only. */
  readA: string;
  /** A, orch:operate only. */
  operateA: string;
  /** A, no scope at all. */
  noScopeA: string;
  /** A and B listed (`tenants`): needs X-Orch-Tenant. */
  ab: string;
  /** A token that grants no tenant. */
  noTenant: string;
  /** Tokens that must be refused with 401, by what is wrong with them. */
  invalid: Record<string, string>;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Signs the suite's tokens with the cluster's key (and, for the foreign-key
 * case, with a key the services do not know). The wrong-audience and
 * wrong-issuer tokens are signed with the cluster's own private key, so only
 * the claim is wrong.
 */
export async function makeTokens(cluster: E2eCluster, stranger: TestAuth): Promise<Tokens> {
  const rw = [Scopes.read, Scopes.operate, Scopes.quota, Scopes.backfill];
  const privateJwk = JSON.parse(readFileSync(path.join(path.dirname(cluster.auth.jwksFile), DEV_PRIVATE_KEY_FILE), 'utf8')) as JWK;
  const a = await cluster.token({ tenant: TENANT_A, scopes: rw, sub: 'bad-input-a' });
  const [header, payload] = a.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const signed = (over: { audience?: string; issuer?: string }) =>
    signDevToken(privateJwk, { subject: 'bad-input-a', scopes: rw, tenant: TENANT_A, ttlSeconds: 3600, ...over });
  return {
    a,
    b: await cluster.token({ tenant: TENANT_B, scopes: rw, sub: 'bad-input-b' }),
    readA: await cluster.token({ tenant: TENANT_A, scopes: [Scopes.read] }),
    operateA: await cluster.token({ tenant: TENANT_A, scopes: [Scopes.operate] }),
    noScopeA: await cluster.token({ tenant: TENANT_A, scopes: [] }),
    ab: await cluster.token({ tenants: [TENANT_A, TENANT_B], scopes: rw }),
    noTenant: await cluster.token({ tenants: [], scopes: rw }),
    invalid: {
      'garbage': 'not.a.jwt!',
      'two segments': `${header}.${payload}`,
      'expired': await cluster.token({ tenant: TENANT_A, scopes: rw, ttlSeconds: -600 }),
      'wrong audience': await signed({ audience: 'not-orch' }),
      'wrong issuer': await signed({ issuer: 'https://evil.example' }),
      'signed by an unknown key': await stranger.token({ tenant: TENANT_A, scopes: rw }),
      'unsigned (alg none)': `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'payload swapped (tenant B, signature of A)': `${header}.${b64url({ ...claims, tenant: TENANT_B })}.${a.split('.')[2]}`,
      'HS256 with the public key as secret': `${b64url({ alg: 'HS256', typ: 'JWT' })}.${payload}.${Buffer.from('forged').toString('base64url')}`,
    },
  };
}
