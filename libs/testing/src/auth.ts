import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DevKeys, ensureDevKeys, signDevToken } from '@orch/auth';
import { ALL_SCOPES } from '@orch/contracts';

/** What a test token says; scopes default to all four Orch scopes. */
export interface TestTokenOptions {
  tenant?: string;
  tenants?: readonly string[];
  scopes?: readonly string[];
  sub?: string;
  /** Lifetime in seconds (default 1 h; negative for an expired token). */
  ttlSeconds?: number;
}

/**
 * A signing key of its own for one test file: a temporary JWKS that services
 * verify against (`env` → `AUTH_JWKS_FILE`) and tokens signed with its key.
 */
export class TestAuth {
  private constructor(private readonly keys: DevKeys) {}

  /** Creates the key pair in a fresh temporary directory. */
  static async create(): Promise<TestAuth> {
    return new TestAuth(await ensureDevKeys(path.join(mkdtempSync(path.join(tmpdir(), 'orch-auth-')), 'keys')));
  }

  /** The variables that make a service verify this key's tokens. */
  get env(): Record<string, string> {
    return { AUTH_JWKS_FILE: this.keys.jwksFile };
  }

  get jwksFile(): string {
    return this.keys.jwksFile;
  }

  /** A signed token; issuer and audience are the services' defaults. */
  token(opts: TestTokenOptions = {}): Promise<string> {
    return signDevToken(this.keys.privateJwk, {
      subject: opts.sub ?? 'test-user',
      scopes: opts.scopes ?? ALL_SCOPES,
      ...(opts.tenants !== undefined ? { tenants: opts.tenants } : { tenant: opts.tenant ?? 'test' }),
      ttlSeconds: opts.ttlSeconds ?? 3_600,
    });
  }

  /** `{ Authorization: 'Bearer …' }` for {@link TestAuth.token}. */
  async header(opts: TestTokenOptions = {}): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.token(opts)}` };
  }

  /** Removes the key directory. */
  cleanup(): void {
    rmSync(path.dirname(this.keys.dir), { recursive: true, force: true });
  }
}
