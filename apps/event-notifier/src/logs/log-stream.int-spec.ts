import { randomUUID } from 'node:crypto';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { Allocation, JobView } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { WorkerClient } from '@orch/sdk-node';
import { consumersOn, createTestDatabase, createTestNamespace, ServiceProcess, SseClient, startService, TestAuth, TestDatabase, TestNamespace, waitFor } from '@orch/testing';
import { LedgerDriver } from '../int-test-support';
import type { LogStreamEnd, LogStreamItem } from './log-lines';

const MAX_BUFFER_BYTES = 64 * 1024;

describe('event-notifier job log stream (real NATS + PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let ns: TestNamespace;
  let ledgerWriter: ServiceProcess;
  let notifier: ServiceProcess;
  let ledger: LedgerDriver;
  let auth: TestAuth;
  const clients: SseClient[] = [];
  const workers = new Map<string, WorkerClient>();

  const streamUrl = (jobId: string, query = '') => `${notifier.baseUrl}/api/v1/jobs/${jobId}/logs/stream${query ? `?${query}` : ''}`;
  const bearer = async (tenant: string, scopes = ['orch:read']) => ({ Authorization: `Bearer ${await auth.token({ tenant, scopes })}` });
  const open = async (tenant: string, jobId: string, query = '', headers: Record<string, string> = {}) => {
    const c = await SseClient.open(streamUrl(jobId, query), { ...(await bearer(tenant)), ...headers });
    clients.push(c);
    expect(c.status).toBe(200);
    return c;
  };
  const lines = (c: SseClient) => c.events.filter((e) => e.event === 'log').map((e) => ({ ...(JSON.parse(e.data) as LogStreamItem), id: Number(e.id) }));
  const endOf = (c: SseClient) => c.events.filter((e) => e.event === 'end').map((e) => ({ ...(JSON.parse(e.data) as LogStreamEnd), id: e.id }));
  /** A job of `tenant` running under a real SDK worker client (which publishes its log lines). */
  const runningJob = async (tenant: string, correlationId: string): Promise<{ job: JobView; lease: Allocation; worker: WorkerClient }> => {
    const job = await ledger.submit({ tenant, project: 'p1', jobType: 'demo.echo', correlationId });
    const lease = await ledger.runToRunning(job, `w-${tenant}`);
    let worker = workers.get(tenant);
    if (!worker) {
      worker = new WorkerClient({ nc: ns.nc, tenant, workerId: `w-${tenant}`, namespace: ns.names.namespace });
      workers.set(tenant, worker);
    }
    return { job, lease, worker };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = await createTestNamespace();
    auth = await TestAuth.create();
    const env = {
      ...auth.env,
      DATABASE_URL: db.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      ORCH_NAMESPACE: ns.names.namespace,
      SSE_KEEPALIVE_MS: '300',
      LOG_STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
      LOG_STREAM_END_POLL_MS: '100',
    };
    ledgerWriter = await startService('ledger-writer', env);
    notifier = await startService('event-notifier', env);
    ledger = new LedgerDriver(new OrchClient(ns.nc, ns.names));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await notifier?.stop();
    await ledgerWriter?.stop();
    await ns?.cleanup();
    await db?.drop();
    auth?.cleanup();
  });

  it("answers another tenant's job exactly like a job that never existed: 404 problem+json", async () => {
    const { job } = await runningJob('red', 'red-secret');
    const probe = async (id: string) => {
      const res = await fetch(streamUrl(id), { headers: await bearer('blue') });
      const { traceId: _traceId, ...body } = (await res.json()) as Record<string, unknown>;
      return {
        status: res.status,
        headers: [...res.headers.keys()].sort(),
        contentType: res.headers.get('content-type'),
        challenge: res.headers.get('www-authenticate'),
        body: JSON.stringify(body).split(id).join('<id>'),
      };
    };
    const foreign = await probe(job.id);
    const unknown = await probe(randomUUID());
    expect(foreign).toEqual(unknown);
    expect(foreign).toMatchObject({ status: 404, contentType: expect.stringMatching(/^application\/problem\+json/), challenge: null });
    expect(JSON.parse(foreign.body)).toMatchObject({ code: 'not_found', detail: 'job <id> not found' });
    expect(await probe('not-a-uuid')).toMatchObject({ status: 404 });
    // The owner does get it.
    const own = await open('red', job.id);
    expect(own.res.headers['content-type']).toBe('text/event-stream');
  });

  it('answers 401 without a token and 403 without orch:read', async () => {
    const { job } = await runningJob('red', 'red-auth');
    const none = await fetch(streamUrl(job.id));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="orch"');
    const noScope = await fetch(streamUrl(job.id), { headers: await bearer('red', ['orch:operate']) });
    expect(await noScope.json()).toMatchObject({ status: 403, code: 'forbidden' });
    const badId = await fetch(streamUrl(job.id), { headers: { ...(await bearer('red')), 'Last-Event-ID': 'x' } });
    expect(await badId.json()).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('streams the lines of the job with tenant, project and correlationId, from the first line, id = LOGS sequence', async () => {
    const { job, lease, worker } = await runningJob('green', 'green-c1');
    const other = await runningJob('green', 'green-c2');
    await worker.log(lease, 'info', 'line 1');
    await other.worker.log(other.lease, 'info', 'another job');
    await worker.log(lease, 'warn', 'line 2');
    const c = await open('green', job.id);
    await worker.log(lease, 'error', 'line 3');
    await waitFor(() => lines(c).length === 3, { what: 'three log lines' });
    expect(lines(c).map((l) => [l.message, l.level, l.jobId, l.attempt, l.tenant, l.project, l.correlationId])).toEqual([
      ['line 1', 'info', job.id, 1, 'green', 'p1', 'green-c1'],
      ['line 2', 'warn', job.id, 1, 'green', 'p1', 'green-c1'],
      ['line 3', 'error', job.id, 1, 'green', 'p1', 'green-c1'],
    ]);
    for (const l of lines(c)) expect(l.id).toBe(l.seq);
    expect(lines(c).map((l) => l.seq)).toEqual([...lines(c).map((l) => l.seq)].sort((a, b) => a - b));
    // from=new skips what is stored already.
    const fresh = await open('green', job.id, 'from=new');
    await worker.log(lease, 'info', 'line 4');
    await waitFor(() => lines(fresh).length === 1 && lines(c).length === 4, { what: 'line 4 on both streams' });
    expect(lines(fresh)[0].message).toBe('line 4');
  });

  it('resumes after Last-Event-ID with exactly the missed lines', async () => {
    const { job, lease, worker } = await runningJob('amber', 'amber-c1');
    const first = await open('amber', job.id);
    await worker.log(lease, 'info', 'seen 1');
    await worker.log(lease, 'info', 'seen 2');
    await waitFor(() => lines(first).length === 2, { what: 'two lines' });
    first.close();
    await waitFor(async () => (await consumersOn(ns.nc, ns.names.streams.logs, ns.names.log('amber', job.id))) === 0, { what: 'the consumer to go' });
    for (const m of ['missed 1', 'missed 2', 'missed 3']) await worker.log(lease, 'info', m);
    const resumed = await open('amber', job.id, '', { 'Last-Event-ID': first.lastId! });
    const viaQuery = await open('amber', job.id, `lastEventId=${first.lastId}`);
    await worker.log(lease, 'info', 'after');
    for (const c of [resumed, viaQuery]) {
      await waitFor(() => lines(c).length === 4, { what: 'the missed lines and the next one' });
      expect(lines(c).map((l) => l.message)).toEqual(['missed 1', 'missed 2', 'missed 3', 'after']);
    }
  });

  it('ends with an end frame once the job finished and every line was sent, also for a job that ended before', async () => {
    const { job, lease, worker } = await runningJob('indigo', 'indigo-c1');
    const c = await open('indigo', job.id);
    await worker.log(lease, 'info', 'working');
    await waitFor(() => lines(c).length === 1, { what: 'the first line' });
    await worker.log(lease, 'info', 'last words');
    await ledger.complete(lease, `w-indigo`);
    await c.closed;
    expect(c.ended).toBe(true);
    expect(lines(c).map((l) => l.message)).toEqual(['working', 'last words']);
    const last = c.events[c.events.length - 1];
    expect(last.event).toBe('end');
    expect(endOf(c)).toEqual([{ jobId: job.id, status: 'succeeded', lastSeq: lines(c)[1].seq, tenant: 'indigo', project: 'p1', correlationId: 'indigo-c1', id: undefined }]);

    const later = await open('indigo', job.id);
    await later.closed;
    expect(lines(later).map((l) => l.message)).toEqual(['working', 'last words']);
    expect(endOf(later)).toHaveLength(1);
    // Resuming after the last line of a finished job: nothing more, just the end.
    const resumed = await open('indigo', job.id, '', { 'Last-Event-ID': String(lines(c)[1].seq) });
    await resumed.closed;
    expect(resumed.events.map((e) => e.event)).toEqual(['end']);
  });

  it('cuts off a client that does not read once its buffer passes the limit, with an error frame', async () => {
    const { job, lease, worker } = await runningJob('slow', 'slow-c1');
    const headers = await bearer('slow');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(streamUrl(job.id), { headers }, (r) => resolve(r));
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    res.setEncoding('utf8');
    // 8 KiB lines (the protocol's maximum); 2000 of them is far more than the socket buffers hold.
    const message = 'y'.repeat(8_000);
    const total = 2_000;
    for (let i = 0; i < total; i += 100) await Promise.all(Array.from({ length: 100 }, () => worker.log(lease, 'info', message)));
    await waitFor(async () => (await consumersOn(ns.nc, ns.names.streams.logs, ns.names.log('slow', job.id))) === 0, { what: 'the slow client to be cut off' });
    let text = '';
    res.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<void>((resolve) => res.on('end', () => resolve()));
    res.resume();
    await ended;
    const frames = text.split('\n\n').filter((f) => f.length > 0);
    expect(frames.filter((f) => f.includes('event: log')).length).toBeLessThan(total);
    const last = frames[frames.length - 1];
    expect(last).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(last.split('\ndata: ')[1])).toMatchObject({ code: 'client_too_slow' });
  });
});
