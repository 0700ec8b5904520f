// nkey users (the generator's default): the server configuration holds public keys only;
// services read their seed from NATS_NKEY_SEED_FILE, workers from a file or a string.
import { errors as natsErrors, NatsConnection, nkeys } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { orchNames } from '@orch/contracts';
import { connectNats, ensureStreams, generatePrincipals, NatsPrincipal, natsConnectOptions, renderNatsServerConfig } from '@orch/messaging';
import { connectWorkerNats, LeaseRef, WorkerClient } from '@orch/sdk-node';
import { spawnTs, startNatsServer, TestNatsServer, uniqueSuffix } from '@orch/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

describe('nkey credentials for services and workers (generated config)', () => {
  const names = orchNames(`t${uniqueSuffix()}`);
  let principals: NatsPrincipal[];
  let server: TestNatsServer;
  let dir: string;
  let svc: NatsConnection;
  const clients: WorkerClient[] = [];

  const seedFile = (p: NatsPrincipal) => {
    const file = path.join(dir, `${p.user}.seed`);
    writeFileSync(file, `${p.nkeySeed}\n`, { mode: 0o600 });
    return file;
  };
  const principal = (tenant?: string) => principals.find((p) => (tenant ? p.tenant === tenant : p.role === 'services'))!;

  beforeAll(async () => {
    principals = generatePrincipals({ namespace: names.namespace, tenants: ['t1', 't2'], auth: 'nkey' });
    const config = renderNatsServerConfig({ namespace: names.namespace, principals });
    for (const p of principals) expect(config).not.toContain(p.nkeySeed);
    server = await startNatsServer(config);
    dir = mkdtempSync(path.join(tmpdir(), 'orch-nkeys-'));
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close();
    await svc?.drain().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects a service with NATS_NKEY_SEED_FILE, with the JetStream API the services need', async () => {
    svc = await connectNats(natsConnectOptions({ NATS_URL: server.url, NATS_NKEY_SEED_FILE: seedFile(principal()) }, 'e2e-services'));
    await ensureStreams(await jetstreamManager(svc), names);
    expect((await (await jetstreamManager(svc)).streams.info(names.streams.logs)).config.name).toBe(names.streams.logs);
  });

  it("lets t1's seed publish t1 log lines to JetStream and reach t1's worker subject, and nothing of t2's", async () => {
    const t1 = await WorkerClient.connect({ servers: server.url, nkeySeedFile: seedFile(principal('t1')), tenant: 't1', workerId: 'w1', namespace: names.namespace, requestTimeoutMs: 2_000 });
    clients.push(t1);
    const jobId = randomUUID();
    const lease: LeaseRef = { jobId, leaseId: randomUUID(), fencingToken: 1, project: 'p1', jobType: 'demo.echo', correlationId: randomUUID(), attempt: 1 };
    await t1.log(lease, 'info', 'stored, and acked on _INBOX_t1');
    const stored = await (await jetstreamManager(svc)).streams.getMessage(names.streams.logs, { last_by_subj: names.log('t1', jobId) });
    expect(stored?.subject).toBe(names.log('t1', jobId));
    // No lease-broker runs here: an allowed request finds no responders, a refused one is forbidden.
    await expect(t1.claim({ jobTypes: ['demo.echo'], max: 1 })).rejects.toMatchObject({ code: 'unavailable' });
    const nc = await connectWorkerNats('t1', { servers: server.url, nkeySeedFile: seedFile(principal('t1')) });
    const intruder = new WorkerClient({ nc, tenant: 't2', workerId: 'w1', namespace: names.namespace, requestTimeoutMs: 2_000 });
    try {
      await expect(intruder.claim({ jobTypes: ['demo.echo'], max: 1 })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(intruder.log({ ...lease, jobId: randomUUID() }, 'info', 'into t2')).rejects.toMatchObject({ code: 'forbidden', retryable: false });
    } finally {
      await nc.close();
    }
  });

  it('refuses a seed the server does not know, given as a string', async () => {
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    await expect(WorkerClient.connect({ servers: server.url, nkeySeed: stranger, tenant: 't1', workerId: 'w2', namespace: names.namespace })).rejects.toBeInstanceOf(natsErrors.AuthorizationError);
  });

  it('fails the boot of a service whose seed file is missing, naming the file', async () => {
    const missing = path.join(dir, 'missing.seed');
    const proc = spawnTs('apps/rate-limiter/src/main.ts', { NATS_URL: server.url, ORCH_NAMESPACE: names.namespace, NATS_NKEY_SEED_FILE: missing, HTTP_PORT: '0' }, 'rate-limiter');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
    const code = await proc.exited;
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(proc.output()).toContain(`cannot read the NATS nkey seed file ${missing}: ENOENT`);
  });
});
