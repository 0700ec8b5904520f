import { OrchNames } from '@orch/contracts';
import { TestAuth, TestTokenOptions } from './auth';
import { createTestDatabase, createTestNamespace, TestDatabase, TestNamespace, waitFor } from './isolation';
import { ServiceProcess, spawnTs, startService as launchService } from './processes';
import { Client } from 'pg';

/** The six services, started in dependency order. */
export const SERVICE_ORDER = ['ledger-writer', 'rate-limiter', 'scheduler', 'lease-broker', 'event-notifier', 'api'] as const;

/** One of the six services. */
export type ServiceName = (typeof SERVICE_ORDER)[number];

/** API rate limit (requests/s and burst) high enough never to matter in a test; pass lower ones in `extraEnv`. */
export const UNLIMITED_API_RATE = 1_000_000;

/** How long each service of a cluster may take to answer /readyz: five start at once, and CPU may be shared with other test runs. */
export const CLUSTER_READY_TIMEOUT_MS = 120_000;

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
  /** The port of each service stopped with {@link E2eCluster.stopService}, so that it comes back where clients knew it. */
  private readonly stoppedPorts = new Map<string, number>();

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
    const ready = { readyTimeoutMs: CLUSTER_READY_TIMEOUT_MS };
    this.services.set(first, await launchService(first, this.env, ready));
    const started = await Promise.allSettled(rest.map((name) => launchService(name, this.env, ready)));
    for (const r of started) if (r.status === 'fulfilled') this.services.set(r.value.name, r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Those that did start would outlive the test (and keep Jest from exiting): stop them before failing.
      await this.stopServices();
      throw failed.reason;
    }
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
  }

  /**
   * Stops one service the way an orchestrator does (SIGTERM, SIGKILL after
   * `graceMs`) and resolves with its exit code; the rest of the cluster keeps
   * running. {@link E2eCluster.startService} brings it back on the same port.
   */
  async stopService(name: ServiceName, graceMs?: number): Promise<number | null> {
    const s = this.service(name);
    const code = await s.stop(graceMs);
    this.services.delete(name);
    this.stoppedPorts.set(name, s.port);
    return code;
  }

  /**
   * Starts a service stopped with {@link E2eCluster.stopService} again, on its
   * old port with the cluster's environment (plus `env`), and waits for /readyz.
   */
  async startService(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
    if (this.services.has(name)) throw new Error(`service ${name} is already running`);
    const port = this.stoppedPorts.get(name);
    const s = await launchService(name, { ...this.env, ...(port !== undefined ? { HTTP_PORT: String(port) } : {}), ...env }, { readyTimeoutMs: CLUSTER_READY_TIMEOUT_MS });
    this.services.set(name, s);
    return s;
  }

  /** {@link E2eCluster.stopService} then {@link E2eCluster.startService}: same port, same environment. */
  async restart(name: ServiceName, graceMs?: number): Promise<ServiceProcess> {
    await this.stopService(name, graceMs);
    return this.startService(name);
  }

  /** Starts a demo-worker process and waits for its start line. */
  async startWorker(env: Record<string, string>): Promise<WorkerProcess> {
    const proc = spawnTs('apps/demo-worker/src/main.ts', { ...this.env, LOG_LEVEL: 'info', ...env }, 'demo-worker');
    let exited = false;
    void proc.exited.then(() => (exited = true));
    try {
      await waitFor(() => {
        if (exited) throw new Error(`demo-worker exited:\n${proc.output().slice(-3000)}`);
        return /started|listening|ready/i.test(proc.output());
      }, { timeoutMs: 60_000, what: 'demo-worker start line' });
    } catch (err) {
      // Not tracked yet, so stop() would not end it.
      proc.child.kill('SIGKILL');
      throw err;
    }
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

  /** Stops every running service, in reverse start order. */
  private async stopServices(): Promise<void> {
    for (const name of [...SERVICE_ORDER].reverse()) {
      await this.services.get(name)?.stop().catch(() => undefined);
      this.services.delete(name);
    }
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
    await this.stopServices();
    await this.pg?.end().catch(() => undefined);
    await this.ns?.cleanup().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
    this.auth?.cleanup();
  }
}
