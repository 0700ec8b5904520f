// Tenancy at the NATS level: a dedicated nats-server runs the configuration that
// `npm run nats-config` generates, the services log in as the services user, and a
// worker's credentials reach its own tenant's subjects and nothing else.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { errors as natsErrors, NatsConnection, Subscription } from '@nats-io/transport-node';
import { artifactBucket, artifactBucketStream, artifactObjectName, ArtifactView, OrchError, OrchNames, orchNames, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { connectNats, ensureArtifactBucket, generatePrincipals, NatsPrincipal, natsConnectOptions, OrchClient, renderNatsServerConfig } from '@orch/messaging';
import { connectWorkerNats, ErrorInfo, OrchWorker, OrchWorkerOptions, WorkerClient } from '@orch/sdk-node';
import { createTestDatabase, ServiceProcess, spawnTs, startNatsServer, startService, TestDatabase, TestNatsServer, uniqueSuffix, waitFor } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

const TERMINAL = ['succeeded', 'failed', 'canceled', 'timed_out'];

describe('NATS credentials confine a tenant worker to its own subjects (generated config, password users)', () => {
  const names: OrchNames = orchNames(`t${uniqueSuffix()}`);
  const ns = names.namespace;
  let principals: NatsPrincipal[];
  let server: TestNatsServer;
  let db: TestDatabase;
  let pg: Client;
  let services: ServiceProcess[] = [];
  let svc: NatsConnection;
  let client: OrchClient;
  const cleanups: (() => Promise<unknown>)[] = [];

  const user = (tenant?: string) => principals.find((p) => (tenant ? p.tenant === tenant : p.role === 'services'))!;

  beforeAll(async () => {
    principals = generatePrincipals({ namespace: ns, tenants: ['t1', 't2'], auth: 'password' });
    server = await startNatsServer(renderNatsServerConfig({ namespace: ns, principals }));
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: server.url,
      ORCH_NAMESPACE: ns,
      NATS_USER: user().user,
      NATS_PASSWORD: user().password!,
      OUTBOX_POLL_MS: '100',
      SCHEDULER_POLL_MS: '250',
    };
    services.push(await startService('ledger-writer', env));
    services.push(...(await Promise.all(['scheduler', 'rate-limiter', 'lease-broker'].map((s) => startService(s, env)))));
    svc = await connectNats(natsConnectOptions({ NATS_URL: server.url, NATS_USER: user().user, NATS_PASSWORD: user().password }, 'e2e-producer'));
    client = new OrchClient(svc, names);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 180_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    for (const s of services.reverse()) await s.stop();
    services = [];
    await svc?.drain().catch(() => undefined);
    await pg?.end();
    await db?.drop();
    await server?.stop();
  }, 60_000);

  async function submit(tenant: string, jobType: string): Promise<string> {
    const body = { tenant, project: 'p1', jobType, payload: { from: tenant }, maxAttempts: 2 };
    const data = { ...body, idempotencyKey: randomUUID(), requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' } as SubmitJobCommand;
    const r = await client.command<SubmitJobResult>('ledger-writer', 'submit', { type: 'ledger.submit', tenant, project: 'p1', correlationId: randomUUID(), data });
    return r.job.id;
  }

  async function jobRow(id: string): Promise<Record<string, unknown>> {
    const { rows } = await pg.query(`SELECT * FROM ledger.jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  const terminal = (id: string) =>
    waitFor(async () => {
      const row = await jobRow(id);
      return TERMINAL.includes(row.status as string) ? row : null;
    }, { timeoutMs: 30_000, what: `job ${id} terminal` });

  async function eventTypes(id: string): Promise<string[]> {
    const { rows } = await pg.query(`SELECT event_type FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [id]);
    return rows.map((r) => r.event_type as string);
  }

  async function t1Connection(): Promise<NatsConnection> {
    const nc = await connectWorkerNats('t1', { servers: server.url, user: user('t1').user, pass: user('t1').password });
    cleanups.push(() => nc.close());
    return nc;
  }

  /** Subscribes and lets the server answer: a refused subscription is closed with its violation. */
  async function subscribeAndSettle(nc: NatsConnection, subject: string): Promise<Subscription> {
    const sub = nc.subscribe(subject);
    await nc.flush();
    return sub;
  }

  /** A running SDK worker logged in with t1's credentials (stopped after the file). */
  async function t1Worker(handlers: OrchWorkerOptions['handlers'], onError?: OrchWorkerOptions['onError']): Promise<OrchWorker> {
    const worker = new OrchWorker({ servers: server.url, user: user('t1').user, pass: user('t1').password, namespace: ns, tenant: 't1', handlers, claimWaitMs: 1_000, onError });
    cleanups.push(() => worker.stop({ graceMs: 2_000 }));
    await worker.start();
    return worker;
  }

  it('lets a worker with t1 credentials run t1 jobs and publish their log lines (acks on _INBOX_t1)', async () => {
    const errors: [unknown, ErrorInfo][] = [];
    const worker = await t1Worker(
      {
        'nats.echo': async (ctx) => {
          await ctx.log('info', 'hello from t1');
          return { echoed: ctx.payload };
        },
      },
      (err, info) => errors.push([err, info]),
    );
    const jobId = await submit('t1', 'nats.echo');
    expect(await terminal(jobId)).toMatchObject({ status: 'succeeded', result: { echoed: { from: 't1' } }, worker_id: worker.workerId });
    expect(errors).toEqual([]);
    const jsm = await jetstreamManager(svc);
    const line = await jsm.streams.getMessage(names.streams.logs, { last_by_subj: names.log('t1', jobId) });
    expect(line?.json<{ data: { message: string } }>().data.message).toBe('hello from t1');
  });

  it('refuses t1 credentials everything outside tenant t1, and leaves the t2 job untouched', async () => {
    const t2Job = await submit('t2', 'demo.echo');
    await waitFor(async () => (await jobRow(t2Job)).admitted_attempt === 1, { what: 't2 job admitted (dispatched)' });
    const nc = await t1Connection();

    // A claim on t2's subject: the server refuses the publish; the SDK says forbidden, not retryable.
    const intruder = new WorkerClient({ nc, tenant: 't2', workerId: 'intruder', namespace: ns });
    const claim = await intruder.claim({ jobTypes: ['demo.echo'], max: 1 }).catch((e: unknown) => e);
    expect(claim).toBeInstanceOf(OrchError);
    expect(claim).toMatchObject({ code: 'forbidden', retryable: false });
    const violation = (claim as Error).cause as Error;
    expect(violation.cause).toBeInstanceOf(natsErrors.PermissionViolationError);
    expect(violation.cause).toMatchObject({ operation: 'publish', subject: names.worker('t2', 'claim') });

    // Reading other tenants' traffic, the event stream or the dispatch queue: refused subscriptions.
    for (const subject of [names.evtAll(), names.log('t2', '>'), names.dispatchAll(), names.cancel('t2', '>')]) {
      const sub = await subscribeAndSettle(nc, subject);
      expect({ subject, closed: sub.isClosed() }).toEqual({ subject, closed: true });
      expect(await sub.closed).toMatchObject({ operation: 'subscription', subject });
    }
    // …while its own cancel notices are allowed (so the check above can tell the two apart).
    expect((await subscribeAndSettle(nc, names.cancel('t1', '>'))).isClosed()).toBe(false);

    // Commands to the ledger-writer and the JetStream API: refused publishes.
    const command = await nc.request(names.cmd('ledger-writer', 'complete'), '{}').catch((e: unknown) => e);
    expect((command as Error).cause).toMatchObject({ operation: 'publish', subject: names.cmd('ledger-writer', 'complete') });
    const jsApi = await jetstreamManager(nc).catch((e: unknown) => e);
    expect((jsApi as Error).cause).toMatchObject({ operation: 'publish', subject: '$JS.API.INFO' });

    // On its own subject, naming t2's job: the lease-broker and ledger find no such job for t1.
    const own = new WorkerClient({ nc, tenant: 't1', workerId: 'intruder', namespace: ns });
    const start = await own
      .start({ jobId: t2Job, leaseId: randomUUID(), fencingToken: 1, project: 'p1', jobType: 'demo.echo', correlationId: randomUUID(), attempt: 1 })
      .catch((e: unknown) => e);
    expect(start).toBeInstanceOf(OrchError);
    expect(['not_found', 'stale_lease']).toContain((start as OrchError).code);

    expect(await jobRow(t2Job)).toMatchObject({ status: 'queued', attempt: 1, lease_id: null, worker_id: null, fencing_token: '0' });
    expect(await eventTypes(t2Job)).toEqual(['job.created', 'job.queued']);

    // t2's own worker (the demo worker with DEMO_NATS_* credentials) then runs it normally.
    const demo = spawnTs(
      'apps/demo-worker/src/main.ts',
      { NATS_URL: server.url, ORCH_NAMESPACE: ns, DEMO_TENANTS: 't2', DEMO_NATS_USER: user('t2').user, DEMO_NATS_PASSWORD: user('t2').password!, DEMO_CLAIM_WAIT_MS: '1000', LOG_LEVEL: 'info' },
      'demo-worker',
    );
    cleanups.push(async () => (demo.child.kill('SIGKILL'), demo.exited));
    expect(await terminal(t2Job)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(demo.output()).toContain('demo-worker started');
  });

  it("lets t1 credentials publish artifacts into t1's bucket only: no other tenant's bucket, no stream API beyond its own put", async () => {
    let published: ArtifactView | undefined;
    await t1Worker({
      'nats.artifact': async (ctx) => {
        published = await ctx.publishArtifact('out/report.txt', 'from t1');
        return null;
      },
    });
    const jobId = await submit('t1', 'nats.artifact');
    expect(await terminal(jobId)).toMatchObject({ status: 'succeeded' });
    expect(published).toMatchObject({ name: 'out/report.txt', size: 7 });
    const t1Bucket = artifactBucket(ns, 't1');
    const stored = await (await new Objm(svc).open(t1Bucket)).getBlob(artifactObjectName(jobId, 1, 'out/report.txt'));
    expect(Buffer.from(stored!).toString()).toBe('from t1');

    // t2's bucket exists (a lease-broker would have made it at t2's first claim); t1 can neither write nor read it.
    const t2Bucket = await ensureArtifactBucket(svc, names, 't2', { maxBytes: -1 });
    await (await new Objm(svc).open(t2Bucket)).putBlob({ name: 'secret.txt' }, Buffer.from('t2 only'));
    const nc = await t1Connection();
    const objm = new Objm(jetstream(nc, { checkAPI: false }));
    const before = (await (await jetstreamManager(svc)).streams.info(artifactBucketStream(t2Bucket))).state.messages;
    const viaStore = await (await objm.open(t2Bucket, false)).putBlob({ name: 'planted.txt' }, Buffer.from('x')).catch((e: unknown) => e);
    const lookup = { operation: 'publish', subject: `$JS.API.STREAM.MSG.GET.${artifactBucketStream(t2Bucket)}` };
    expect((viaStore as Error).cause).toMatchObject(lookup);
    expect(((await (await objm.open(t2Bucket, false)).info('secret.txt').catch((e: unknown) => e)) as Error).cause).toMatchObject(lookup);
    const chunk = `$O.${t2Bucket}.C.planted`;
    expect(((await jetstream(nc).publish(chunk, 'x').catch((e: unknown) => e)) as Error).cause).toMatchObject({ operation: 'publish', subject: chunk });
    expect((await (await jetstreamManager(svc)).streams.info(artifactBucketStream(t2Bucket))).state.messages).toBe(before);
    // Its own bucket's stream: no info, no create, no delete; only the put's lookup and purge.
    const jsApi = async (subject: string) => (await nc.request(subject, '{}').catch((e: unknown) => e)) as Error;
    for (const op of ['INFO', 'DELETE', 'UPDATE', 'CREATE']) {
      const subject = `$JS.API.STREAM.${op}.${artifactBucketStream(t1Bucket)}`;
      expect((await jsApi(subject)).cause).toMatchObject({ operation: 'publish', subject });
    }
  });

  it('refuses a wrong password or no credentials at connect', async () => {
    await expect(connectWorkerNats('t1', { servers: server.url, user: user('t1').user, pass: `${user('t1').password}x` })).rejects.toBeInstanceOf(natsErrors.AuthorizationError);
    await expect(connectWorkerNats('t1', { servers: server.url })).rejects.toBeInstanceOf(natsErrors.AuthorizationError);
    // A worker's credentials are not the services': the t1 user cannot log in with the services password.
    await expect(connectWorkerNats('t1', { servers: server.url, user: user('t1').user, pass: user().password })).rejects.toBeInstanceOf(natsErrors.AuthorizationError);
  });
});
