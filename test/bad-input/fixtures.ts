/**
 * The objects bad requests aim at: for tenants A and B, jobs (queued, running
 * under a live lease, succeeded), a webhook with dead deliveries, and B's data
 * carrying markers that must never appear in an answer to A.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Allocation, ClaimResult, JobView, makeEnvelope, RecordArtifactResult, Reply, WorkerVerb } from '@orch/contracts';
import { E2eCluster, waitFor } from '@orch/testing';
import { send } from './http-client';
import { TENANT_A, TENANT_B, Tokens } from './tokens';

/** A worker's live allocation, as the fenced verbs need it. */
export type Lease = Pick<Allocation, 'jobId' | 'leaseId' | 'fencingToken'>;

/** One tenant's objects. */
export interface TenantFixtures {
  tenant: string;
  /** Queued, never claimed (no worker serves its type). */
  job: JobView;
  /** Queued; the idempotency cases cancel it. */
  cancelable: JobView;
  /** Running under a one-hour lease nobody renews. */
  running: Lease;
  /** Succeeded through the worker protocol: every later call about it is a replay. */
  done: Lease;
  webhookId: string;
  /** Dead deliveries of that webhook (oldest first). */
  deliveryIds: string[];
  /** A paused schedule (it never fires while the suite runs). */
  scheduleId: string;
  /** A DAG run of one idle job. */
  runId: string;
  /** A limit rule (of a job type nobody submits). */
  ruleId: string;
  /** A pause (of a job type nobody submits). */
  pauseId: string;
  /** A job that failed for good through the worker protocol: in the dead-letter set. */
  deadLetterId: string;
  /** An artifact the running job recorded (its bytes were never stored: a download answers 502 artifact_missing). */
  artifactId: string;
  /** An active backfill of one slice of a job type nobody claims. */
  backfillId: string;
}

export interface Fixtures {
  a: TenantFixtures;
  b: TenantFixtures;
  /** Strings of B's that must never appear in an answer to A. */
  secretsOfB: string[];
}

/** Job types nobody claims but the suite (the cluster runs no workers). */
export const IDLE_TYPE = 'bi.idle';
const LEASED_TYPE = 'bi.leased';
const DONE_TYPE = 'bi.done';
const DEAD_TYPE = 'bi.dead';
/** Lease of the fixtures' running jobs: nothing expires while the suite runs. */
export const FIXTURE_LEASE_MS = 3_600_000;
/** What B's job payload carries, to catch a leak. */
export const SECRET_OF_B = 'secret-of-tenant-b-7f3a';

/** A receiver that fails every delivery, so deliveries end `dead` at once (WEBHOOK_MAX_ATTEMPTS=1). */
export async function startFailingReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500).end('no'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function ok<T>(cluster: E2eCluster, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const ans = await send(cluster.service('api').baseUrl, {
    method,
    path,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (ans.status < 200 || ans.status > 299) throw new Error(`fixture ${method} ${path} answered ${ans.status}: ${ans.text}`);
  return JSON.parse(ans.text) as T;
}

/** Sends one worker request as the tenant's worker would and returns the decoded reply. */
export async function workerCall<T>(cluster: E2eCluster, tenant: string, verb: WorkerVerb, data: unknown): Promise<Reply<T>> {
  const env = makeEnvelope({ type: `worker.${verb}`, tenant, project: '*', correlationId: 'bad-input-fixture', taskRunnerId: 'bad-input', data });
  const msg = await cluster.ns.nc.request(cluster.names.worker(tenant, verb), JSON.stringify(env), { timeout: 20_000 });
  return msg.json<Reply<T>>();
}

async function claimOne(cluster: E2eCluster, tenant: string, jobType: string): Promise<Lease> {
  return waitFor(
    async () => {
      const reply = await workerCall<ClaimResult>(cluster, tenant, 'claim', { workerId: 'bad-input', jobTypes: [jobType], max: 1, waitMs: 5_000, leaseMs: FIXTURE_LEASE_MS });
      if (!reply.ok) throw new Error(`claim refused: ${JSON.stringify(reply.error)}`);
      const a = reply.data.allocations[0];
      return a ? { jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken } : null;
    },
    { timeoutMs: 40_000, what: `a ${jobType} allocation for ${tenant}` },
  );
}

async function expectOk(cluster: E2eCluster, tenant: string, verb: WorkerVerb, data: unknown): Promise<void> {
  const reply = await workerCall(cluster, tenant, verb, data);
  if (!reply.ok) throw new Error(`fixture ${verb} refused: ${JSON.stringify(reply.error)}`);
}

async function tenantFixtures(cluster: E2eCluster, tenant: string, token: string, receiverUrl: string, marker: string): Promise<TenantFixtures> {
  const reason = { 'x-orch-reason': 'bad-input fixture' };
  const webhook = await ok<{ id: string }>(cluster, 'POST', '/api/v1/webhooks', token, { url: `${receiverUrl}/hook-${marker}`, eventTypes: ['job.created'], description: marker }, reason);
  const submit = (jobType: string) => ok<JobView>(cluster, 'POST', '/api/v1/jobs', token, { project: 'p1', jobType, payload: { marker } });
  const job = await submit(IDLE_TYPE);
  const cancelable = await submit(IDLE_TYPE);
  await submit(LEASED_TYPE);
  await submit(DONE_TYPE);
  await ok<JobView>(cluster, 'POST', '/api/v1/jobs', token, { project: 'p1', jobType: DEAD_TYPE, payload: { marker }, maxAttempts: 1 });
  const running = await claimOne(cluster, tenant, LEASED_TYPE);
  await expectOk(cluster, tenant, 'start', running);
  const artifact = await workerCall<RecordArtifactResult>(cluster, tenant, 'artifact', { ...running, name: `fixture-${marker}.txt`, sha256: 'b'.repeat(64), size: 5, mime: 'text/plain' });
  if (!artifact.ok) throw new Error(`fixture artifact refused: ${JSON.stringify(artifact.error)}`);
  const done = await claimOne(cluster, tenant, DONE_TYPE);
  await expectOk(cluster, tenant, 'start', done);
  await expectOk(cluster, tenant, 'complete', { ...done, result: { marker } });
  const dead = await claimOne(cluster, tenant, DEAD_TYPE);
  await expectOk(cluster, tenant, 'start', dead);
  await expectOk(cluster, tenant, 'fail', { ...dead, error: { code: 'bi_fixture', message: `failed for good ${marker}`, retryable: false } });
  const deliveryIds = await waitFor(
    async () => {
      const { rows } = await cluster.pg.query<{ id: string; status: string }>(`SELECT id, status FROM notify.deliveries WHERE webhook_id = $1 ORDER BY id`, [webhook.id]);
      return rows.length === 5 && rows.every((r) => r.status === 'dead') ? rows.map((r) => r.id) : null;
    },
    { timeoutMs: 30_000, what: `five dead deliveries (one per job created) of ${tenant}'s webhook` },
  );
  // Disabled, the webhook takes no new deliveries and a redelivered one waits: the notify tables stay still.
  await ok(cluster, 'PATCH', `/api/v1/webhooks/${webhook.id}`, token, { enabled: false }, reason);
  const schedule = await ok<{ id: string }>(
    cluster,
    'POST',
    '/api/v1/schedules',
    token,
    { project: 'p1', name: `schedule ${marker}`, cron: '0 3 * * *', timeZone: 'Europe/Berlin', paused: true, job: { jobType: IDLE_TYPE, payload: { marker } } },
    reason,
  );
  const run = await ok<{ run: { id: string } }>(cluster, 'POST', '/api/v1/runs', token, { jobs: [{ key: 'only', project: 'p1', jobType: IDLE_TYPE, payload: { marker } }] });
  const limitsHeaders = { ...reason, 'x-orch-ticket': 'BI-FIXTURE' };
  const rule = await ok<{ rule: { id: string } }>(cluster, 'POST', '/api/v1/limits/rules', token, { id: `bi-fixture-${marker}`, kind: 'quota', match: { jobType: 'bi.never' }, per: ['tenant'], maxPerDay: 1 }, limitsHeaders);
  const pause = await ok<{ id: string }>(cluster, 'POST', '/api/v1/limits/pauses', token, { match: { jobType: 'bi.never' }, reason: `pause ${marker}` }, limitsHeaders);
  const backfill = await ok<{ backfill: { id: string } }>(
    cluster,
    'POST',
    '/api/v1/backfills',
    token,
    { project: 'p1', jobType: IDLE_TYPE, source: 'bi-fixture', from: '2025-06-01T00:00:00Z', to: '2025-06-01T01:00:00Z', payload: { marker } },
    limitsHeaders,
  );
  return { tenant, job, cancelable, running, done, webhookId: webhook.id, deliveryIds, scheduleId: schedule.id, runId: run.run.id, ruleId: rule.rule.id, pauseId: pause.id, deadLetterId: dead.jobId, artifactId: artifact.data.artifact.id, backfillId: backfill.backfill.id };
}

/** Creates both tenants' objects. */
export async function createFixtures(cluster: E2eCluster, tokens: Tokens, receiverUrl: string): Promise<Fixtures> {
  const a = await tenantFixtures(cluster, TENANT_A, tokens.a, receiverUrl, 'marker-of-a');
  const b = await tenantFixtures(cluster, TENANT_B, tokens.b, receiverUrl, SECRET_OF_B);
  return { a, b, secretsOfB: [TENANT_B, SECRET_OF_B, b.job.payloadDigest, b.job.correlationId, b.job.idempotencyKey] };
}

/**
 * Waits until nothing is in flight (both outboxes empty) and the ledger
 * fingerprint holds still across two reads, so a later change can only come
 * from the request under test.
 */
export async function quiesce(cluster: E2eCluster, fingerprint: () => Promise<string>): Promise<void> {
  let previous = '';
  await waitFor(
    async () => {
      const { rows } = await cluster.pg.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ledger.outbox)::int + (SELECT count(*) FROM notify.audit_outbox)::int + (SELECT count(*) FROM limits.audit_outbox)::int AS n`,
      );
      const now = await fingerprint();
      const still = rows[0].n === 0 && now === previous;
      previous = now;
      return still;
    },
    { timeoutMs: 30_000, intervalMs: 300, what: 'a quiet ledger' },
  );
}
