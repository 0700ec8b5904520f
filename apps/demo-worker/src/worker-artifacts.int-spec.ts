// Integration test of the SDK's artifacts: a handler publishes into the real NATS object store
// (the tenant's bucket, created by the real lease-broker), the record travels worker subject →
// lease-broker → ledger-writer and lands in the tenant's hash chain. Lives here, beside the
// SDK's other integration tests, because the SDK project may not import the test kit.
import { Objm, ObjectStore } from '@nats-io/obj';
import { Allocation, artifactBucket, artifactObjectName, artifactUri, ArtifactView, OrchError } from '@orch/contracts';
import { JobHandler, JobOutcome, OrchWorker, WorkerClient } from '@orch/sdk-node';
import { TEST_NATS_URL, waitFor, WorkerStack } from '@orch/testing';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const TENANT = 'arts';
/** The lease-broker's ARTIFACT_MAX_BYTES in this file: small, so the limit is cheap to pass. */
const MAX_BYTES = 300_000;

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('SDK artifacts through the real object store, lease-broker and ledger-writer', () => {
  const stack = new WorkerStack({ REAPER_INTERVAL_MS: '100', BACKOFF_BASE_MS: '50', BACKOFF_MAX_MS: '100', ARTIFACT_MAX_BYTES: String(MAX_BYTES) });
  let store: ObjectStore;
  const workers: OrchWorker[] = [];

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.stop(), 60_000);
  afterEach(() => Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 2_000 }))));

  /** Runs one job of `jobType` with `handler` on an SDK worker and returns its outcome. */
  async function runJob(jobType: string, handler: JobHandler): Promise<{ jobId: string; outcome: JobOutcome }> {
    const outcomes: JobOutcome[] = [];
    const worker = new OrchWorker({ servers: TEST_NATS_URL, namespace: stack.ns.names.namespace, tenant: TENANT, handlers: { [jobType]: handler }, claimWaitMs: 1_000, onJobEnd: (o) => outcomes.push(o) });
    workers.push(worker);
    await worker.start();
    const jobId = await stack.submit(TENANT, jobType);
    const outcome = await waitFor(() => outcomes.find((o) => o.jobId === jobId), { timeoutMs: 30_000, what: `job ${jobId} to end` });
    return { jobId, outcome };
  }

  async function events(jobId: string): Promise<{ event_type: string; attempt: number; data: Record<string, unknown>; seq: string; prev_hash: string; hash: string }[]> {
    const { rows } = await stack.pg.query(`SELECT * FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [jobId]);
    return rows;
  }

  async function bucket(): Promise<ObjectStore> {
    store ??= await new Objm(stack.ns.nc).open(artifactBucket(stack.ns.names.namespace, TENANT));
    return store;
  }

  it('streams bytes, a string and a Readable into the tenant\'s bucket and records each as a job.artifact event in the hash chain', async () => {
    const big = Buffer.alloc(200_000, 7); // several 128 KiB chunks
    const published: ArtifactView[] = [];
    const { jobId, outcome } = await runJob('art.ok', async (ctx) => {
      published.push(await ctx.publishArtifact('summary.txt', 'three rows'));
      published.push(await ctx.publishArtifact('data/rows.json', Readable.from([Buffer.from('[1,'), Buffer.from('2,3]')]), { mime: 'application/json' }));
      published.push(await ctx.publishArtifact('blob.bin', big));
      return { n: published.length };
    });
    expect(outcome).toMatchObject({ kind: 'completed', status: 'succeeded' });

    const bucketName = artifactBucket(stack.ns.names.namespace, TENANT);
    const expected = [
      { name: 'summary.txt', bytes: Buffer.from('three rows'), mime: 'text/plain; charset=utf-8' },
      { name: 'data/rows.json', bytes: Buffer.from('[1,2,3]'), mime: 'application/json' },
      { name: 'blob.bin', bytes: big, mime: 'application/octet-stream' },
    ];
    expect(published.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256, mime: a.mime, attempt: a.attempt, jobId: a.jobId }))).toEqual(
      expected.map((e) => ({ name: e.name, size: e.bytes.length, sha256: sha256(e.bytes), mime: e.mime, attempt: 1, jobId })),
    );
    for (const e of expected) {
      const stored = await (await bucket()).getBlob(artifactObjectName(jobId, 1, e.name));
      expect({ name: e.name, same: Buffer.from(stored!).equals(e.bytes) }).toEqual({ name: e.name, same: true });
    }

    const evs = await events(jobId);
    expect(evs.map((e) => e.event_type)).toEqual(['job.created', 'job.queued', 'job.leased', 'job.running', 'job.artifact', 'job.artifact', 'job.artifact', 'job.succeeded']);
    const recorded = evs.filter((e) => e.event_type === 'job.artifact');
    expect(recorded.map((e) => e.data)).toEqual(
      expected.map((e) => ({ name: e.name, uri: artifactUri(bucketName, artifactObjectName(jobId, 1, e.name)), sha256: sha256(e.bytes), size: e.bytes.length, mime: e.mime })),
    );
    // Chained like every event: each links to the one before it in the tenant's chain.
    const { rows } = await stack.pg.query(`SELECT * FROM ledger.job_events WHERE tenant = $1 AND seq = $2`, [TENANT, Number(recorded[0].seq) - 1]);
    expect(recorded[0].prev_hash).toBe(rows[0].hash);
    expect(published[0].id).toBe((await stack.pg.query(`SELECT id FROM ledger.job_events WHERE hash = $1`, [recorded[0].hash])).rows[0].id);
  });

  it('refuses an artifact over ARTIFACT_MAX_BYTES while streaming, a name twice in an attempt and a path-trick name, leaving nothing behind', async () => {
    const errors: Record<string, unknown> = {};
    const { jobId, outcome } = await runJob('art.refused', async (ctx) => {
      expect(ctx.allocation.artifactMaxBytes).toBe(MAX_BYTES);
      const endless = (async function* () {
        for (;;) yield Buffer.alloc(64 * 1024, 1);
      })();
      errors['tooLarge'] = await ctx.publishArtifact('huge.bin', endless).catch((e: unknown) => e);
      errors['tooLargeBytes'] = await ctx.publishArtifact('huge2.bin', Buffer.alloc(MAX_BYTES + 1)).catch((e: unknown) => e);
      errors['pathTrick'] = await ctx.publishArtifact('../escape.txt', 'x').catch((e: unknown) => e);
      await ctx.publishArtifact('once.txt', 'first');
      errors['twice'] = await ctx.publishArtifact('once.txt', 'second').catch((e: unknown) => e);
      return null;
    });
    expect(outcome).toMatchObject({ kind: 'completed' });
    expect(errors['tooLarge']).toMatchObject({ code: 'artifact_too_large', retryable: false });
    expect(errors['tooLargeBytes']).toMatchObject({ code: 'artifact_too_large' });
    expect(errors['pathTrick']).toMatchObject({ code: 'validation_failed', errors: [{ path: 'name' }] });
    expect(errors['twice']).toMatchObject({ code: 'artifact_exists' });
    // The aborted upload's chunks were purged: no entry, and no bytes but the one artifact's.
    expect(await (await bucket()).info(artifactObjectName(jobId, 1, 'huge.bin'))).toBeNull();
    const all = await (await bucket()).list();
    expect(all.filter((i) => i.name.startsWith(`${jobId}/`)).map((i) => i.name)).toEqual([artifactObjectName(jobId, 1, 'once.txt')]);
    // Every chunk in the bucket belongs to a live entry: nothing of the stopped upload is left.
    const status = await (await bucket()).status({ subjects_filter: `$O.${artifactBucket(stack.ns.names.namespace, TENANT)}.C.>` });
    const chunkNuids = Object.keys(status.streamInfo.state.subjects ?? {}).map((s) => s.split('.').pop());
    const live = new Set(all.map((i) => i.nuid));
    expect(chunkNuids.filter((n) => !live.has(n!))).toEqual([]);
    const recorded = (await events(jobId)).filter((e) => e.event_type === 'job.artifact').map((e) => e.data['name']);
    expect(recorded).toEqual(['once.txt']);
  });

  it('answers a retried record with the first one, refuses another digest for the name, and refuses a stale lease\'s artifact and removes its bytes', async () => {
    const wc = new WorkerClient({ nc: stack.ns.nc, tenant: TENANT, workerId: 'art-raw', namespace: stack.ns.names.namespace });
    const jobId = await stack.submit(TENANT, 'art.raw');
    const claim = await waitFor(async () => (await wc.claim({ jobTypes: ['art.raw'], max: 1, waitMs: 1_000, leaseMs: 1_000 })).allocations[0], { what: 'an allocation' });
    const lease: Allocation = claim;
    await wc.start(lease);
    const record = { name: 'r.txt', sha256: sha256('abc'), size: 3, mime: 'text/plain' };
    const first = await wc.artifact(lease, record);
    const again = await wc.artifact(lease, record);
    expect(first.created).toBe(true);
    expect(again).toEqual({ artifact: first.artifact, created: false });
    await expect(wc.artifact(lease, { ...record, sha256: sha256('abd') })).rejects.toMatchObject({ code: 'artifact_exists' });
    await expect(wc.artifact(lease, { ...record, name: 'other.txt', size: MAX_BYTES + 1 })).rejects.toMatchObject({ code: 'artifact_too_large' });

    // The one-second lease runs out unrenewed: the reaper gives the job its next attempt.
    await waitFor(async () => (await stack.pg.query(`SELECT attempt FROM ledger.jobs WHERE id = $1`, [jobId])).rows[0].attempt === 2, { timeoutMs: 15_000, what: 'the lease to expire' });
    const stale = await wc.publishArtifact(lease, 'late.txt', 'too late').catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(OrchError);
    expect(stale).toMatchObject({ code: 'stale_lease' });
    const late = await (await bucket()).info(artifactObjectName(jobId, 1, 'late.txt'));
    expect(late === null || late.deleted).toBe(true);
    const recorded = (await events(jobId)).filter((e) => e.event_type === 'job.artifact').map((e) => e.data['name']);
    expect(recorded).toEqual(['r.txt']);
  });
});
