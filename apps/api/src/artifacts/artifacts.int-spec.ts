import { jetstreamManager } from '@nats-io/jetstream';
import { Objm, ObjectStore } from '@nats-io/obj';
import { AdmitResult, artifactBucket, artifactBucketStream, artifactObjectName, ArtifactView, JobView } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { JobOutcome, OrchWorker, WorkerClient } from '@orch/sdk-node';
import { ServiceProcess, startService, TEST_NATS_URL, waitFor } from '@orch/testing';
import { createHash, randomUUID } from 'node:crypto';
import { ApiStack } from '../test-support/api-stack';
import { expectProblem, operatorAuth, send } from '../test-support/control-plane';
import { reprDigest } from './artifact-http';

const TENANT = 'acme';
const OTHER = 'globex';
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** What the test worker publishes for a job: `payload.files`, each `{ name, text, mime? }`. */
interface FileSpec {
  name: string;
  text: string;
  mime?: string;
}

describe('artifacts: SDK publish → ledger → GET /api/v1/jobs/{id}/artifacts and verified downloads (api, ledger-writer, lease-broker as processes)', () => {
  const stack = new ApiStack();
  let broker: ServiceProcess;
  let client: OrchClient;
  let auth: Record<string, string>;
  const outcomes: JobOutcome[] = [];
  const workers: OrchWorker[] = [];
  const stores = new Map<string, ObjectStore>();

  async function bucketOf(tenant: string): Promise<ObjectStore> {
    if (!stores.has(tenant)) stores.set(tenant, await new Objm(stack.ns.nc).open(artifactBucket(stack.ns.names.namespace, tenant)));
    return stores.get(tenant)!;
  }

  /** Submits a job through the api as `tenant`, admits it (no scheduler here) and waits for the SDK worker to finish it. */
  async function publishJob(tenant: string, files: FileSpec[]): Promise<JobView> {
    const headers = tenant === TENANT ? auth : await operatorAuth(stack, tenant);
    const submitted = await send<JobView>(stack, 'POST', '/api/v1/jobs', headers, { project: 'p1', jobType: 'art.publish', payload: { files } });
    expect(submitted.status).toBe(201);
    const jobId = submitted.body.id;
    const admitted = await client.command<AdmitResult>('ledger-writer', 'admit', { type: 'ledger.admit', tenant, project: '*', correlationId: randomUUID(), data: { jobs: [{ jobId, attempt: 1 }] } });
    expect(admitted.admitted).toEqual([jobId]);
    expect(await waitFor(() => outcomes.find((o) => o.jobId === jobId), { timeoutMs: 30_000, what: `job ${jobId} to end` })).toMatchObject({ kind: 'completed' });
    return submitted.body;
  }

  async function listed(jobId: string, tenant = TENANT) {
    return stack.get<{ items: ArtifactView[] }>(`/api/v1/jobs/${jobId}/artifacts`, tenant);
  }

  /** A download as a reader of `tenant`, the body as raw bytes. */
  async function download(id: string, tenant = TENANT): Promise<{ res: Response; bytes: Buffer }> {
    const res = await fetch(`${stack.api.baseUrl}/api/v1/artifacts/${id}/content`, { headers: await stack.authHeader({ tenant, scopes: ['orch:read'] }) });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  beforeAll(async () => {
    await stack.start();
    broker = await startService('lease-broker', stack.env);
    client = new OrchClient(stack.ns.nc, stack.ns.names);
    auth = await operatorAuth(stack, TENANT);
    for (const tenant of [TENANT, OTHER]) {
      const worker = new OrchWorker({
        servers: TEST_NATS_URL,
        namespace: stack.ns.names.namespace,
        tenant,
        claimWaitMs: 1_000,
        onJobEnd: (o) => outcomes.push(o),
        handlers: {
          'art.publish': async (ctx) => {
            const files = (ctx.payload['files'] as FileSpec[] | undefined) ?? [];
            for (const f of files) await ctx.publishArtifact(f.name, f.text, f.mime ? { mime: f.mime } : {});
            return { published: files.length };
          },
        },
      });
      workers.push(worker);
      await worker.start();
    }
  }, 150_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop({ graceMs: 2_000 })));
    await broker?.stop();
    await stack.stop();
  }, 60_000);

  it('lists a job\'s artifacts from the ledger and serves each one\'s bytes with its media type, length, Repr-Digest and ETag', async () => {
    const files: FileSpec[] = [
      { name: 'reports/summary.json', text: '{"rows":3}', mime: 'application/json' },
      { name: 'notes.txt', text: 'grüße aus dem Worker' },
    ];
    const job = await publishJob(TENANT, files);
    const list = await listed(job.id);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256, mime: a.mime, attempt: a.attempt, jobId: a.jobId }))).toEqual([
      { name: 'reports/summary.json', size: 10, sha256: sha256(files[0].text), mime: 'application/json', attempt: 1, jobId: job.id },
      { name: 'notes.txt', size: Buffer.byteLength(files[1].text), sha256: sha256(files[1].text), mime: 'text/plain; charset=utf-8', attempt: 1, jobId: job.id },
    ]);
    expect(list.body.items[0].uri).toBe(`nats-obj://${artifactBucket(stack.ns.names.namespace, TENANT)}/${job.id}/1/reports/summary.json`);

    for (const [i, a] of list.body.items.entries()) {
      const { res, bytes } = await download(a.id);
      expect(res.status).toBe(200);
      expect(bytes.toString('utf8')).toBe(files[i].text);
      expect({
        type: res.headers.get('content-type'),
        length: res.headers.get('content-length'),
        digest: res.headers.get('repr-digest'),
        etag: res.headers.get('etag'),
        disposition: res.headers.get('content-disposition'),
        nosniff: res.headers.get('x-content-type-options'),
        version: res.headers.get('x-orch-api-version'),
      }).toEqual({
        type: expect.stringMatching(new RegExp(`^${a.mime.split(';')[0].replace('/', '\\/')}`)),
        length: String(a.size),
        digest: reprDigest(sha256(files[i].text)),
        etag: `"sha256-${a.sha256}"`,
        disposition: `attachment; filename="${a.name.split('/').pop()}"`,
        nosniff: 'nosniff',
        version: '1.0',
      });
    }
  });

  it("answers another tenant's job and artifact 404, exactly like ones that never existed, and lists nothing of it", async () => {
    const job = await publishJob(TENANT, [{ name: 'private.txt', text: 'acme only' }]);
    const [artifact] = (await listed(job.id)).body.items;
    const foreignList = await listed(job.id, OTHER);
    expectProblem(foreignList, 404, 'not_found');
    expectProblem(await listed(randomUUID(), TENANT), 404, 'not_found');
    const foreign = await stack.get(`/api/v1/artifacts/${artifact.id}/content`, OTHER);
    const never = await stack.get(`/api/v1/artifacts/${randomUUID()}/content`, TENANT);
    expect(expectProblem(foreign, 404, 'not_found').detail.replace(artifact.id, 'ID')).toBe(expectProblem(never, 404, 'not_found').detail.replace(/[0-9a-f-]{36}/, 'ID'));
    expect(JSON.stringify(foreign.body)).not.toContain('acme only');
    expectProblem(await stack.get('/api/v1/artifacts/not-a-uuid/content', TENANT), 404, 'not_found');
    // Globex's own job and artifact are served to globex, and invisible to acme.
    const theirs = await publishJob(OTHER, [{ name: 'theirs.txt', text: 'globex data' }]);
    const [theirArtifact] = (await listed(theirs.id, OTHER)).body.items;
    expect((await download(theirArtifact.id, OTHER)).bytes.toString()).toBe('globex data');
    expectProblem(await stack.get(`/api/v1/artifacts/${theirArtifact.id}/content`, TENANT), 404, 'not_found');
    // A token without orch:read gets nothing either.
    const noRead = await fetch(`${stack.api.baseUrl}/api/v1/artifacts/${artifact.id}/content`, { headers: await stack.authHeader({ tenant: TENANT, scopes: ['orch:operate'] }) });
    expect(noRead.status).toBe(403);
  });

  it('refuses to serve an object altered, cut short or removed in the bucket after it was published: 502 problem, never the bytes', async () => {
    const text = 'original, as recorded';
    const job = await publishJob(TENANT, [
      { name: 'altered.txt', text },
      { name: 'resized.txt', text },
      { name: 'purged.txt', text },
      { name: 'deleted.txt', text },
    ]);
    const items = (await listed(job.id)).body.items;
    const byName = (n: string) => items.find((a) => a.name === n)!;
    const store = await bucketOf(TENANT);
    const objectName = (n: string) => artifactObjectName(job.id, 1, n);
    const bucket = artifactBucket(stack.ns.names.namespace, TENANT);

    // Same length, other bytes: only the SHA-256 of the content can tell.
    await store.putBlob({ name: objectName('altered.txt') }, Buffer.from(text.replace('original', 'ORIGINAL')));
    // Other length.
    await store.putBlob({ name: objectName('resized.txt') }, Buffer.from(`${text}!`));
    // The chunks purged behind the metadata's back.
    const purgedInfo = (await store.info(objectName('purged.txt')))!;
    await (await jetstreamManager(stack.ns.nc)).streams.purge(artifactBucketStream(bucket), { filter: `$O.${bucket}.C.${purgedInfo.nuid}` });
    // Removed altogether.
    await store.delete(objectName('deleted.txt'));

    for (const [name, code] of [['altered.txt', 'artifact_digest_mismatch'], ['resized.txt', 'artifact_digest_mismatch'], ['purged.txt', 'artifact_digest_mismatch'], ['deleted.txt', 'artifact_missing']] as const) {
      const res = await stack.get(`/api/v1/artifacts/${byName(name).id}/content`, TENANT);
      const problem = expectProblem(res, 502, code);
      expect({ name, leaked: JSON.stringify(res.body).includes('ORIGINAL') || res.headers.get('repr-digest') !== null }).toEqual({ name, leaked: false });
      expect(problem.detail).toContain(byName(name).id);
    }
    // The list still shows what the ledger recorded: the record is the truth the bytes are held to.
    expect((await listed(job.id)).body.items.map((a) => a.sha256)).toEqual(items.map(() => sha256(text)));
  });

  it("refuses a stale fencing token's artifact and keeps nothing of it, in the ledger or the bucket", async () => {
    const submitted = await send<JobView>(stack, 'POST', '/api/v1/jobs', auth, { project: 'p1', jobType: 'art.stale', payload: {} });
    const jobId = submitted.body.id;
    const admit = (attempt: number) => client.command<AdmitResult>('ledger-writer', 'admit', { type: 'ledger.admit', tenant: TENANT, project: '*', correlationId: randomUUID(), data: { jobs: [{ jobId, attempt }] } });
    const wc = new WorkerClient({ nc: stack.ns.nc, tenant: TENANT, workerId: 'stale-worker', namespace: stack.ns.names.namespace });
    const claim = (leaseMs: number) => waitFor(async () => (await wc.claim({ jobTypes: ['art.stale'], max: 1, waitMs: 1_000, leaseMs })).allocations[0], { timeoutMs: 20_000, what: 'an allocation' });
    await admit(1);
    const old = await claim(1_000);
    await wc.start(old);
    // Never renewed, the first lease expires; the job's second attempt goes to a new lease with a higher token.
    await waitFor(async () => {
      const { rows } = await stack.pg.query(`SELECT status, attempt FROM ledger.jobs WHERE id = $1`, [jobId]);
      return rows[0].status === 'queued' && rows[0].attempt === 2;
    }, { timeoutMs: 20_000, what: 'the first lease to expire' });
    await waitFor(async () => (await admit(2)).admitted.length === 1, { timeoutMs: 20_000, what: 'attempt 2 admitted' });
    const current = await claim(60_000);
    expect(current.fencingToken).toBeGreaterThan(old.fencingToken);

    const refused = await wc.publishArtifact(old, 'stale.txt', 'should not stay').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'stale_lease', retryable: false });
    expect((await listed(jobId)).body.items).toEqual([]);
    const left = await (await bucketOf(TENANT)).info(artifactObjectName(jobId, 1, 'stale.txt'));
    expect(left === null || left.deleted).toBe(true);
    // The current lease may: its artifact is listed under attempt 2.
    await wc.start(current);
    await wc.publishArtifact(current, 'current.txt', 'stays');
    expect((await listed(jobId)).body.items.map((a) => [a.name, a.attempt])).toEqual([['current.txt', 2]]);
  });
});
