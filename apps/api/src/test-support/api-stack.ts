import { ID_TOKEN_PATTERN } from '@orch/contracts';
import {
  createTestDatabase,
  createTestNamespace,
  ServiceProcess,
  startService,
  TestAuth,
  TestDatabase,
  TestNamespace,
  TestTokenOptions,
  TEST_NATS_URL,
  UNLIMITED_API_RATE,
} from '@orch/testing';
import { Client } from 'pg';

/** Tenant of {@link ApiStack.submit}'s token when the body names no valid one. */
export const DEFAULT_TEST_TENANT = 'acme';

/** Rows in the ledger tables a submit writes; equal before and after means nothing changed. */
export interface LedgerCounts {
  jobs: number;
  events: number;
  idempotencyKeys: number;
}

/** A parsed HTTP answer of the api. */
export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  contentType: string;
}

/**
 * ledger-writer and the api as real processes on an isolated database and NATS
 * namespace and a signing key of their own, for the api's integration tests.
 * Every answer is checked for `X-Orch-Api-Version`, so each test also proves
 * the header is never missing. The API rate limit is off unless `extraEnv` sets it.
 */
export class ApiStack {
  db!: TestDatabase;
  ns!: TestNamespace;
  pg!: Client;
  auth!: TestAuth;
  ledgerWriter!: ServiceProcess;
  api!: ServiceProcess;
  /** Answers seen, each of which carried `X-Orch-Api-Version: 1.0`. */
  answers = 0;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: this.ns.names.namespace,
      ...this.auth.env,
      API_RATE_LIMIT_RPS: String(UNLIMITED_API_RATE),
      API_RATE_LIMIT_BURST: String(UNLIMITED_API_RATE),
      ...this.extraEnv,
    };
  }

  async start(): Promise<void> {
    this.db = await createTestDatabase('orch_api');
    this.ns = await createTestNamespace();
    this.auth = await TestAuth.create();
    // ledger-writer first: it owns and migrates the schema the api reads.
    this.ledgerWriter = await startService('ledger-writer', this.env);
    this.api = await startService('api', this.env);
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
  }

  async stop(): Promise<void> {
    await this.api?.stop().catch(() => undefined);
    await this.ledgerWriter?.stop().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    await this.ns?.cleanup().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
    this.auth?.cleanup();
  }

  /** `{ Authorization: 'Bearer …' }` with a token of this stack's key (all scopes unless given). */
  authHeader(opts: TestTokenOptions = {}): Promise<Record<string, string>> {
    return this.auth.header(opts);
  }

  /** Any request to the api; parses JSON bodies, fails if the version header is missing. */
  async call<T = unknown>(path: string, init: RequestInit = {}): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.api.baseUrl}${path}`, init);
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    if (res.headers.get('x-orch-api-version') !== '1.0') {
      throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status} without X-Orch-Api-Version: 1.0`);
    }
    this.answers += 1;
    return { status: res.status, headers: res.headers, contentType, body: (/json/.test(contentType) ? JSON.parse(text) : text) as T };
  }

  /**
   * `POST /api/v1/jobs` with a JSON body (or a raw string as is), as a producer
   * (orch:read + orch:operate) of the body's tenant (or {@link DEFAULT_TEST_TENANT}
   * when it names no valid one), unless `headers` carries an Authorization.
   */
  async submit<T = unknown>(body: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const named = (body as { tenant?: unknown } | null)?.tenant;
    const tenant = typeof named === 'string' && ID_TOKEN_PATTERN.test(named) ? named : DEFAULT_TEST_TENANT;
    const auth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization') ? {} : await this.authHeader({ tenant, scopes: ['orch:read', 'orch:operate'] });
    return this.call<T>('/api/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /** A GET with an orch:read token of `tenant` (no token at all when undefined). */
  async get<T = unknown>(path: string, tenant: string | undefined): Promise<ApiAnswer<T>> {
    return this.call<T>(path, { headers: tenant === undefined ? {} : await this.authHeader({ tenant, scopes: ['orch:read'] }) });
  }

  async counts(): Promise<LedgerCounts> {
    const { rows } = await this.pg.query(`SELECT
      (SELECT count(*)::int FROM ledger.jobs) AS jobs,
      (SELECT count(*)::int FROM ledger.job_events) AS events,
      (SELECT count(*)::int FROM ledger.idempotency_keys) AS "idempotencyKeys"`);
    return rows[0] as LedgerCounts;
  }
}
