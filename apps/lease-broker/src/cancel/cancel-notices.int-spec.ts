import { jetstreamManager } from '@nats-io/jetstream';
import {
  AdmitResult,
  Allocation,
  CancelJobResult,
  CancelNotice,
  ClaimResult,
  decodeEnvelope,
  Envelope,
  LeaseResult,
  OperatorContext,
  SubmitJobCommand,
  SubmitJobResult,
  WorkerVerb,
} from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { dispatchDurableName } from '../dispatch/dispatch-buffer';

const TENANT = 'acme';
const operator: OperatorContext = { subject: 'ops@example.com', scopes: ['orch:operate'], reason: 'wrong input', ticket: 'OPS-9' };

describe('lease-broker cancel notices and canceled dispatches (real ledger-writer and lease-broker)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Client;
  let ledger: ServiceProcess;
  let broker: ServiceProcess;
  let client: OrchClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      OUTBOX_POLL_MS: '100',
      REAPER_INTERVAL_MS: '100',
      CANCEL_GRACE_MS: '5000',
    };
    ledger = await startService('ledger-writer', env);
    broker = await startService('lease-broker', env);
    client = new OrchClient(ns.nc, ns.names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await ledger?.stop();
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  function command<T>(verb: string, data: object): Promise<T> {
    return client.command<T>('ledger-writer', verb, { type: `ledger.${verb}`, tenant: TENANT, project: '*', correlationId: randomUUID(), data });
  }

  async function submitAndAdmit(jobType: string): Promise<SubmitJobResult['job']> {
    const body = { tenant: TENANT, project: 'p1', jobType, payload: {} };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const { job } = await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant: TENANT, project: 'p1', correlationId: `corr-${data.idempotencyKey}`, data });
    const admitted = await command<AdmitResult>('admit', { jobs: [{ jobId: job.id, attempt: 1 }] });
    expect(admitted.admitted).toEqual([job.id]);
    return job;
  }

  function worker<T>(verb: WorkerVerb, data: object, timeoutMs = 15_000): Promise<T> {
    return client.request<T>(ns.names.worker(TENANT, verb), { type: `worker.${verb}`, tenant: TENANT, project: '*', correlationId: randomUUID(), taskRunnerId: 'w-cancel', data }, { timeoutMs });
  }

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  it("publishes a cancel notice on the job's cancel subject when a running job's cancel is requested", async () => {
    const job = await submitAndAdmit('it.notice');
    const { allocations } = await worker<ClaimResult>('claim', { workerId: 'w-cancel', jobTypes: ['it.notice'], max: 1, waitMs: 10_000, leaseMs: 60_000 }, 25_000);
    const a: Allocation = allocations[0];
    await worker<LeaseResult>('start', { jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken });

    const notices: Envelope<unknown>[] = [];
    const sub = ns.nc.subscribe(ns.names.cancel(TENANT, job.id), { callback: (_err, msg) => void notices.push(decodeEnvelope(msg.data)) });
    await ns.nc.flush();
    try {
      const r = await command<CancelJobResult>('cancel', { jobId: job.id, operator });
      expect(r.changed).toBe(true);
      const [notice] = await waitFor(() => (notices.length ? notices : null), { timeoutMs: 10_000, what: 'cancel notice' });
      expect(notice).toMatchObject({ type: 'job.cancel', tenant: TENANT, project: 'p1', jobType: 'it.notice', correlationId: job.correlationId });
      expect(notice.data).toEqual({ jobId: job.id, reason: 'wrong input', deadline: r.job.cancel!.deadline! } satisfies CancelNotice);
      // The heartbeat reply is the durable fallback.
      const beat = await worker<LeaseResult>('heartbeat', { jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken });
      expect(beat.cancelRequested).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  it('refuses the dispatch message of a job canceled after admission as stale, acks it, and hands out nothing', async () => {
    const job = await submitAndAdmit('it.canceled');
    const r = await command<CancelJobResult>('cancel', { jobId: job.id, operator });
    expect(r.job.status).toBe('canceled');
    // Wait for the dispatch message to be in the stream, so the claim sees it.
    const jsm = await jetstreamManager(ns.nc);
    await waitFor(async () => (await jsm.streams.info(ns.names.streams.dispatch)).state.messages >= 1, { what: 'dispatch message relayed' });

    const { allocations } = await worker<ClaimResult>('claim', { workerId: 'w-cancel', jobTypes: ['it.canceled'], max: 1, waitMs: 5_000 }, 20_000);
    expect(allocations).toEqual([]);
    const consumer = () => jsm.consumers.info(ns.names.streams.dispatch, dispatchDurableName(TENANT, 'it.canceled'));
    await waitFor(async () => (await consumer()).num_ack_pending === 0 && (await consumer()).delivered.consumer_seq >= 1, { what: 'stale dispatch acked' });
    await waitFor(async () => (await jsm.streams.info(ns.names.streams.dispatch)).state.messages === 0, { what: 'dispatch stream empty' });
    expect(await jobRow(job.id)).toMatchObject({ status: 'canceled', attempt: 1, lease_id: null, worker_id: null });
  });
});
