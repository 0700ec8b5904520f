import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureDevKeys } from './dev-keys';
import { AUTH_AUDIENCE_DEFAULT, AUTH_ISSUER_DEFAULT, JwtVerifier } from './jwt-verifier';

/** Repository root (libs/auth/src → ../../..); libs/testing cannot be used here (it depends on auth). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs `npm run -s token -- <args>` the way the README does. */
function npmToken(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', '-s', 'token', '--', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run token (development tokens)', () => {
  let dir: string;
  let keys: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-token-'));
    keys = path.join(dir, 'dev-jwt');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the dev keys when missing and prints only a token that verifies against the dev JWKS', async () => {
    const r = npmToken(['--keys', keys, '--tenant', 't1', '--scopes', 'orch:read,orch:operate', '--sub', 'alice', '--ttl', '10m']);
    expect({ status: r.status, stderr: r.stderr.replace(/^npm warn .*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(statSync(path.join(keys, 'private.jwk.json')).mode & 0o077).toBe(0);

    const verifier = new JwtVerifier({ jwksFile: path.join(keys, 'jwks.json'), issuer: AUTH_ISSUER_DEFAULT, audience: AUTH_AUDIENCE_DEFAULT });
    const claims = await verifier.verify(r.stdout.trim());
    expect(claims).toEqual({ subject: 'alice', scopes: ['orch:read', 'orch:operate'], tenants: ['t1'], expiresAt: expect.any(Number) });
    expect(claims.expiresAt! - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(claims.expiresAt! - Date.now()).toBeLessThanOrEqual(10 * 60_000);
  });

  it('reuses the existing keys and writes several tenants as the tenants claim', async () => {
    const before = readFileSync(path.join(keys, 'jwks.json'), 'utf8');
    const r = npmToken(['--keys', keys, '--tenants', 'a,b', '--scopes', 'orch:read']);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(keys, 'jwks.json'), 'utf8')).toBe(before);
    const claims = await new JwtVerifier({ jwksFile: path.join(keys, 'jwks.json'), issuer: AUTH_ISSUER_DEFAULT, audience: AUTH_AUDIENCE_DEFAULT }).verify(r.stdout.trim());
    expect(claims).toMatchObject({ subject: 'dev', tenants: ['a', 'b'], scopes: ['orch:read'] });
  });

  it.each([
    [['--tenant', 't1', '--scopes', 'orch:admin'], /unknown scope "orch:admin"/],
    [['--tenant', 'Bad.Tenant', '--scopes', 'orch:read'], /bad tenant id "Bad.Tenant"/],
    [['--scopes', 'orch:read'], /--tenant <id> \(or --tenants <a,b>\) is required/],
  ])('refuses %j with exit code 2, a clear message and the usage, printing no token', (args, message) => {
    const r = npmToken(['--keys', keys, ...args]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: npm run -s token');
  });

  it('gives every concurrent caller the same key pair', async () => {
    const fresh = path.join(dir, 'race');
    const all = await Promise.all(Array.from({ length: 8 }, () => ensureDevKeys(fresh)));
    const kids = new Set(all.map((k) => k.privateJwk.kid));
    expect(kids.size).toBe(1);
    expect(all[0].jwks.keys[0].kid).toBe(all[0].privateJwk.kid);
  });
});
