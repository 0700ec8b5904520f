import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { AdmitResult, artifactBucket, artifactObjectName, artifactUri, decodeEnvelope, LogLine, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { createTestDatabase, createTestNamespace, ServiceProcess, spawnTs, startService, TEST_NATS_URL, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { createHash, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ECHO_ARTIFACT_NAME } from './handlers';

describe('demo-worker process', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let pg: Pool;
  let services: ServiceProcess[] = [];
  let client: OrchClient;
  let worker: ReturnType<typeof spawnTs>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: TEST_NATS_URL,
      ORCH_NAMESPACE: ns.names.namespace,
      BACKOFF_BASE_MS: '50',
      BACKOFF_MAX_MS: '200',
      OUTBOX_POLL_MS: '100',
    };
    services.push(await startService('ledger-writer', env));
    services.push(await startService('lease-broker', env));
    client = new OrchClient(ns.nc, ns.names);
    pg = new Pool({ connectionString: db.url, max: 4 });
    worker = spawnTs('apps/demo-worker/src/main.ts', { NATS_URL: TEST_NATS_URL, ORCH_NAMESPACE: ns.names.namespace, DEMO_TENANTS: 'd1,d2', DEMO_CONCURRENCY: '2', DEMO_CLAIM_WAIT_MS: '1000' }, 'demo-worker');
  }, 120_000);

  afterAll(async () => {
    if (worker?.child.exitCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    for (const s of services.reverse()) await s.stop();
    services = [];
    await pg?.end();
    await ns?.cleanup();
    await db?.drop();
  }, 60_000);

  async function submit(tenant: string, jobType: string, payload: Record<string, unknown>, maxAttempts = 3): Promise<SubmitJobResult['job']> {
    const body = { tenant, project: 'p1', jobType, payload, maxAttempts };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    return (await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant, project: 'p1', correlationId: randomUUID(), data })).job;
  }

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Stands in for the scheduler until the job is terminal: admits each attempt once it is queued. */
  async function driveToEnd(tenant: string, id: string): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        const row = await jobRow(id);
        if (['succeeded', 'failed'].includes(row.status as string)) return row;
        if (row.status === 'queued' && row.admitted_attempt !== row.attempt) {
          await client.command<AdmitResult>('ledger-writer', 'admit', {
            type: 'ledger.admit',
            tenant,
            project: '*',
            correlationId: randomUUID(),
            data: { jobs: [{ jobId: id, attempt: row.attempt }] },
          });
        }
        return null;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `job ${id} terminal` },
    );
  }

  it('prints its start line with tenants, concurrency and worker ids carrying its pid', async () => {
    const line = await waitFor(() => worker.output().split('\n').find((l) => l.includes('demo-worker started')), { timeoutMs: 60_000, what: 'start line' });
    const start = JSON.parse(line);
    expect(start).toMatchObject({ level: 'info', tenants: ['d1', 'd2'], concurrency: 2 });
    expect(start.workerIds).toHaveLength(2);
    for (const id of start.workerIds) expect(id).toContain(`-${worker.child.pid}-`);
  });

  it('runs demo.echo (with a log line), demo.flaky and demo.fail for each of its tenants', async () => {
    const echo = await submit('d1', 'demo.echo', { hello: 'there', sleepMs: 50 });
    const flaky = await submit('d2', 'demo.flaky', { failUntilAttempt: 2 });
    const failing = await submit('d2', 'demo.fail', {}, 2);
    const noop = await submit('d1', 'demo.noop', {});
    const [e, f, x, n] = await Promise.all([driveToEnd('d1', echo.id), driveToEnd('d2', flaky.id), driveToEnd('d2', failing.id), driveToEnd('d1', noop.id)]);
    expect(e).toMatchObject({ status: 'succeeded', attempt: 1, result: { hello: 'there', sleepMs: 50 }, progress_percent: 50 });
    expect(e.worker_id).toContain(`-${worker.child.pid}-`);
    expect(f).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(x).toMatchObject({ status: 'failed', attempt: 2, last_error: { code: 'demo_failure' } });
    expect(n).toMatchObject({ status: 'succeeded', result: null });

    const jsm = await jetstreamManager(ns.nc);
    const msg = await jsm.streams.getMessage(ns.names.streams.logs, { last_by_subj: ns.names.log('d1', echo.id) });
    expect(decodeEnvelope(msg!.data).data as LogLine).toMatchObject({ jobId: echo.id, level: 'info', message: expect.stringContaining('echo attempt 1') });
  });

  it('publishes payload.artifact of a demo.echo as the text artifact echo.txt in its tenant\'s bucket, recorded in the ledger', async () => {
    const text = 'an artifact from the demo worker';
    const echo = await submit('d2', 'demo.echo', { artifact: text });
    expect(await driveToEnd('d2', echo.id)).toMatchObject({ status: 'succeeded', result: { artifact: text } });
    const bucket = artifactBucket(ns.names.namespace, 'd2');
    const objectName = artifactObjectName(echo.id, 1, ECHO_ARTIFACT_NAME);
    const { rows } = await pg.query(`SELECT data FROM ledger.job_events WHERE job_id = $1 AND event_type = 'job.artifact'`, [echo.id]);
    expect(rows.map((r) => r.data)).toEqual([
      { name: ECHO_ARTIFACT_NAME, uri: artifactUri(bucket, objectName), sha256: createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text), mime: 'text/plain; charset=utf-8' },
    ]);
    const stored = await (await new Objm(ns.nc).open(bucket)).getBlob(objectName);
    expect(Buffer.from(stored!).toString('utf8')).toBe(text);
  });

  it('finishes a running job on SIGTERM before exiting with 0', async () => {
    const job = await submit('d1', 'demo.echo', { sleepMs: 1_500 });
    const { rows } = await pg.query(`SELECT attempt FROM ledger.jobs WHERE id = $1`, [job.id]);
    await client.command('ledger-writer', 'admit', { type: 'ledger.admit', tenant: 'd1', project: '*', correlationId: randomUUID(), data: { jobs: [{ jobId: job.id, attempt: rows[0].attempt }] } });
    await waitFor(async () => (await jobRow(job.id)).status === 'running', { what: 'echo running' });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(worker.output()).toContain('demo-worker stopped');
  });
});
