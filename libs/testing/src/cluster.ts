import { OrchNames } from '@orch/contracts';
import { TestAuth, TestTokenOptions } from './auth';
import { createTestDatabase, createTestNamespace, TestDatabase, TestNamespace, waitFor } from './isolation';
import { ServiceProcess, spawnTs, startService } from './processes';
import { Client } from 'pg';

/** The six services, started in dependency order. */
export const SERVICE_ORDER = ['ledger-writer', 'rate-limiter', 'scheduler', 'lease-broker', 'event-notifier', 'api'] as const;

/** API rate limit (requests/s and burst) high enough never to matter in a test; pass lower ones in `extraEnv`. */
export const UNLIMITED_API_RATE = 1_000_000;

/** A demo-worker process. */
export interface WorkerProcess {
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/**
 * A whole Orch installation for one test file: its own database, its own NATS
 * namespace, its own token signing key (the services verify against its JWKS),
 * the six services as real processes, and demo workers.
 */
export class E2eCluster {
  db!: TestDatabase;
  ns!: TestNamespace;
  pg!: Client;
  auth!: TestAuth;
  readonly services = new Map<string, ServiceProcess>();
  readonly workers: WorkerProcess[] = [];

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get names(): OrchNames {
    return this.ns.names;
  }

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      ORCH_NAMESPACE: this.ns.names.namespace,
      ...this.auth.env,
      // Journeys and benches submit as fast as they can; the per-tenant API limit is tested on its own.
      API_RATE_LIMIT_RPS: String(UNLIMITED_API_RATE),
      API_RATE_LIMIT_BURST: String(UNLIMITED_API_RATE),
      ...this.extraEnv,
    };
  }

  service(name: string): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`service ${name} is not running`);
    return s;
  }

  async start(): Promise<void> {
    this.db = await createTestDatabase('orch_e2e');
    this.ns = await createTestNamespace();
    this.auth = await TestAuth.create();
    const [first, ...rest] = SERVICE_ORDER;
    this.services.set(first, await startService(first, this.env));
    const started = await Promise.all(rest.map((name) => startService(name, this.env)));
    started.forEach((s) => this.services.set(s.name, s));
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
  }

  /** Starts a demo-worker process and waits for its start line. */
  async startWorker(env: Record<string, string>): Promise<WorkerProcess> {
    const proc = spawnTs('apps/demo-worker/src/main.ts', { ...this.env, LOG_LEVEL: 'info', ...env }, 'demo-worker');
    let exited = false;
    void proc.exited.then(() => (exited = true));
    await waitFor(() => {
      if (exited) throw new Error(`demo-worker exited:\n${proc.output().slice(-3000)}`);
      return /started|listening|ready/i.test(proc.output());
    }, { timeoutMs: 60_000, what: 'demo-worker start line' });
    const w: WorkerProcess = {
      pid: proc.child.pid!,
      output: proc.output,
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (exited) return;
        proc.child.kill(signal);
        await proc.exited;
      },
    };
    this.workers.push(w);
    return w;
  }

  /** A token the services accept (see {@link TestAuth.token}). */
  token(opts: TestTokenOptions = {}): Promise<string> {
    return this.auth.token(opts);
  }

  /** A request to the api; with `token`, sent as `Authorization: Bearer`. */
  api(path: string, init: RequestInit = {}, token?: string): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${this.service('api').baseUrl}${path}`, { ...init, headers });
  }

  async stop(): Promise<void> {
    for (const w of this.workers) await w.kill('SIGKILL').catch(() => undefined);
    for (const name of [...SERVICE_ORDER].reverse()) await this.services.get(name)?.stop().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    await this.ns?.cleanup().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
    this.auth?.cleanup();
  }
}
