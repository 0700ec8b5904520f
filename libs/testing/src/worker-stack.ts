import { AdmitResult, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, createTestNamespace, TEST_NATS_URL, TestDatabase, TestNamespace } from './isolation';
import { ServiceProcess, startService } from './processes';

/**
 * ledger-writer and lease-broker as real processes on a database and NATS namespace of their
 * own: what the worker protocol needs, for SDK and worker integration tests. No scheduler runs:
 * {@link submit} admits each job itself, as the scheduler would.
 */
export class WorkerStack {
  db!: TestDatabase;
  ns!: TestNamespace;
  pg!: Client;
  client!: OrchClient;
  private services: ServiceProcess[] = [];

  /** `extraEnv` goes to both services (e.g. `REAPER_INTERVAL_MS`, `ARTIFACT_MAX_BYTES`). */
  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get env(): Record<string, string> {
    return { DATABASE_URL: this.db.url, NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: this.ns.names.namespace, OUTBOX_POLL_MS: '100', ...this.extraEnv };
  }

  async start(): Promise<void> {
    this.db = await createTestDatabase();
    this.ns = await createTestNamespace();
    // ledger-writer first: it migrates the schema the lease-broker reads.
    this.services.push(await startService('ledger-writer', this.env));
    this.services.push(await startService('lease-broker', this.env));
    this.client = new OrchClient(this.ns.nc, this.ns.names);
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
  }

  async stop(): Promise<void> {
    for (const s of this.services.reverse()) await s.stop().catch(() => undefined);
    this.services = [];
    await this.pg?.end().catch(() => undefined);
    await this.ns?.cleanup().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }

  /** Submits a job of `tenant` through the ledger (as the api would) and admits its first attempt; returns its id. */
  async submit(tenant: string, jobType: string, payload: Record<string, unknown> = {}, maxAttempts = 3): Promise<string> {
    const body = { tenant, project: 'p1', jobType, payload, maxAttempts };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const r = await this.client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant, project: 'p1', correlationId: randomUUID(), data });
    await this.admit(tenant, r.job.id, 1);
    return r.job.id;
  }

  /** Admits `attempt` of the job (the scheduler's `admit`); returns the ids admitted. */
  async admit(tenant: string, jobId: string, attempt: number): Promise<string[]> {
    const r = await this.client.command<AdmitResult>('ledger-writer', 'admit', { type: 'ledger.admit', tenant, project: '*', correlationId: randomUUID(), data: { jobs: [{ jobId, attempt }] } });
    return r.admitted;
  }
}
