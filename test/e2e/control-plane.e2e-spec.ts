import { randomUUID } from 'node:crypto';
import { AuditEntryView, JobView, LedgerEventView } from '@orch/contracts';
import { E2eCluster, SseClient, waitFor, WsTestClient } from '@orch/testing';
import { Caller, ControlPlane, reached, sseEvents, StreamedEvent, wsEvents } from './control-plane-support';

/** Tenants, one per concern, so that no test sees another's events. */
const CANCEL_TENANT = 'acme';
const TENANT_A = 'alpha';
const TENANT_B = 'bravo';
const SSE_TENANT = 'phoenix';
const WS_TENANT = 'firebird';
const ALL_TENANTS = [CANCEL_TENANT, TENANT_A, TENANT_B, SSE_TENANT, WS_TENANT];
const OPERATOR = 'ops@acme.example';
/** Jobs submitted at once just before the event-notifier is stopped. */
const BURST = 30;

interface Page<T> {
  items: T[];
  next_page_token: string | null;
}

interface Summary {
  total: number;
  byStatus: Record<string, number>;
  byJobType: Record<string, number>;
}

const echo = (tenant: string, project: string, payload: Record<string, unknown> = {}) => ({ tenant, project, jobType: 'demo.echo', payload });

describe('control plane end to end: scopes, tenant isolation and resumable streams (six services and a demo worker as processes)', () => {
  const cluster = new E2eCluster({
    SCHEDULER_POLL_MS: '250',
    REAPER_INTERVAL_MS: '250',
    // A worker that ignored the cancel notice would still end canceled soon.
    CANCEL_GRACE_MS: '3000',
    LOG_STREAM_END_POLL_MS: '200',
  });
  const cp = new ControlPlane(cluster);
  const readerOf = async (tenant: string): Promise<Caller> => ({ token: await cluster.token({ tenant, scopes: ['orch:read'], sub: `reader@${tenant}` }) });
  const operatorOf = async (tenant: string, sub = `producer@${tenant}`): Promise<Caller> => ({ token: await cluster.token({ tenant, scopes: ['orch:read', 'orch:operate'], sub }) });

  beforeAll(async () => {
    await cluster.start();
    await cluster.startWorker({ DEMO_TENANTS: ALL_TENANTS.join(','), DEMO_CONCURRENCY: '4', DEMO_CLAIM_WAIT_MS: '1000' });
  }, 240_000);

  afterAll(async () => {
    cp.closeAll();
    await cluster.stop();
  }, 60_000);

  describe('cancel needs orch:operate', () => {
    const eventTypes = async (caller: Caller, id: string) => (await cp.call<{ items: LedgerEventView[] }>(caller, `/api/v1/jobs/${id}/events`)).body.items.map((e) => e.eventType);
    const auditOf = async (caller: Caller, id: string) => {
      const res = await cp.call<Page<AuditEntryView>>(caller, `/api/v1/audit?targetId=${id}`);
      expect(res.status).toBe(200);
      return res.body.items;
    };

    it('refuses a reader token 403 problem+json: the job runs on to success and neither the ledger nor the audit log records a cancel', async () => {
      const reader = await readerOf(CANCEL_TENANT);
      const job = await cp.submit(await operatorOf(CANCEL_TENANT), echo(CANCEL_TENANT, 'p1', { sleepMs: 1500 }), 'cancel-refused');
      await cp.waitForStatus(reader, job.id, ['running']);

      const refused = await cp.call<{ code: string; detail: string }>(reader, `/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: { 'X-Orch-Reason': 'a reader tries' } });
      expect({ status: refused.status, contentType: refused.contentType, code: refused.body.code }).toEqual({
        status: 403,
        contentType: expect.stringMatching(/^application\/problem\+json/),
        code: 'forbidden',
      });
      expect(refused.body.detail).toMatch(/orch:operate/);
      expect((await cp.job(reader, job.id)).cancel).toBeNull();

      const done = await cp.waitForStatus(reader, job.id, 'terminal');
      expect(done).toMatchObject({ status: 'succeeded', cancel: null, result: { sleepMs: 1500 } });
      const types = await eventTypes(reader, job.id);
      expect(types).toContain('job.succeeded');
      expect(types.filter((t) => t === 'job.cancel_requested' || t === 'job.canceled')).toEqual([]);
      expect(await auditOf(reader, job.id)).toEqual([]);
      const { rows } = await cluster.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger.audit_log WHERE target_id = $1`, [job.id]);
      expect(rows[0].n).toBe(0);
    });

    it('lets an operate token with X-Orch-Reason cancel a running job, which ends canceled, and the audit log shows actor, action, target and reason', async () => {
      const reader = await readerOf(CANCEL_TENANT);
      const operator = await operatorOf(CANCEL_TENANT, OPERATOR);
      const job = await cp.submit(operator, echo(CANCEL_TENANT, 'p1', { sleepMs: 60_000 }), 'cancel-accepted');
      await cp.waitForStatus(reader, job.id, ['running']);

      const reason = 'stuck upstream; customer asked';
      const res = await cp.call<{ changed: boolean; job: JobView }>(operator, `/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: { 'X-Orch-Reason': reason } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ changed: true, job: { id: job.id, cancel: { reason } } });

      // The worker hears the notice and stops long before its 60 s sleep ends.
      const done = await cp.waitForStatus(reader, job.id, 'terminal', 15_000);
      expect(done.status).toBe('canceled');
      const types = await eventTypes(reader, job.id);
      expect(types.filter((t) => t === 'job.cancel_requested' || t === 'job.canceled')).toEqual(['job.cancel_requested', 'job.canceled']);
      expect(types).not.toContain('job.succeeded');

      const entries = await auditOf(reader, job.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        tenant: CANCEL_TENANT,
        project: 'p1',
        actor: { subject: OPERATOR, scopes: expect.arrayContaining(['orch:operate']) },
        action: 'job.cancel',
        targetType: 'job',
        targetId: job.id,
        reason,
        ticket: null,
      });
    });
  });

  describe(`tenant isolation (${TENANT_A} owns the jobs, ${TENANT_B} looks)`, () => {
    let readerA: Caller;
    let readerB: Caller;
    /** A token holding both tenants, choosing B with X-Orch-Tenant: it must see exactly what B's own token sees. */
    let bothAsB: Caller;
    let bothAsA: Caller;
    const jobsA: JobView[] = [];
    const jobsB: JobView[] = [];
    let streams: { sse: Record<'a' | 'b' | 'bothAsB', SseClient>; ws: Record<'a' | 'b' | 'bothAsB', WsTestClient> };
    const byId = new Map<string, JobView>();
    const observers = () => [
      { label: `${TENANT_B}'s token`, caller: readerB },
      { label: `a token of both tenants selecting ${TENANT_B}`, caller: bothAsB },
    ];

    beforeAll(async () => {
      readerA = await readerOf(TENANT_A);
      readerB = await readerOf(TENANT_B);
      const both = await cluster.token({ tenants: [TENANT_A, TENANT_B], scopes: ['orch:read'], sub: 'auditor' });
      bothAsB = { token: both, tenant: TENANT_B };
      bothAsA = { token: both, tenant: TENANT_A };
      // Every stream exists before the first job, so each would receive whatever its filter lets through.
      streams = {
        sse: { a: await cp.openSse(readerA), b: await cp.openSse(readerB), bothAsB: await cp.openSse(bothAsB) },
        ws: { a: await cp.openWs(readerA), b: await cp.openWs(readerB), bothAsB: await cp.openWs(bothAsB) },
      };

      const producerA = await operatorOf(TENANT_A);
      jobsA.push(await cp.submit(producerA, echo(TENANT_A, 'p1', { secret: 'a-1' }), 'iso-a-1'));
      jobsA.push(await cp.submit(producerA, echo(TENANT_A, 'p2', { secret: 'a-2' }), 'iso-a-2'));
      for (const j of jobsA) await cp.waitForStatus(readerA, j.id, ['succeeded']);
      // All of A's events are in NOTIFY before B's first one: a leak to B's streams would arrive before B's own events.
      const storedA = await cp.settledNotify(TENANT_A);
      jobsB.push(await cp.submit(await operatorOf(TENANT_B), echo(TENANT_B, 'p9', { mine: true }), 'iso-b-1'));
      await cp.waitForStatus(readerB, jobsB[0].id, ['succeeded']);
      const storedB = await cp.settledNotify(TENANT_B);
      const lastA = storedA[storedA.length - 1].seq;
      const lastB = storedB[storedB.length - 1].seq;
      await waitFor(() => reached(sseEvents(streams.sse.a), lastA) && reached(wsEvents(streams.ws.a), lastA), { timeoutMs: 30_000, what: `${TENANT_A}'s streams to reach ${lastA}` });
      await waitFor(
        () => [streams.sse.b, streams.sse.bothAsB].every((c) => reached(sseEvents(c), lastB)) && [streams.ws.b, streams.ws.bothAsB].every((c) => reached(wsEvents(c), lastB)),
        { timeoutMs: 30_000, what: `${TENANT_B}'s streams to reach ${lastB}` },
      );
      for (const j of [...jobsA, ...jobsB]) byId.set(j.id, j);
    }, 90_000);

    it(`answers ${TENANT_B}'s GET of ${TENANT_A}'s job, its events and its logs 404, exactly as for an id that never existed, while ${TENANT_A} reads them`, async () => {
      const foreign = jobsA[0].id;
      const unknown = randomUUID();
      for (const { label, caller } of observers()) {
        for (const suffix of ['', '/events', '/logs']) {
          const url = (id: string) => `${cluster.service('api').baseUrl}/api/v1/jobs/${id}${suffix}`;
          const seen = await cp.notFoundShape(url(foreign), foreign, cp.headers(caller));
          const missing = await cp.notFoundShape(url(unknown), unknown, cp.headers(caller));
          expect({ label, suffix, ...seen }).toEqual({ label, suffix, ...missing });
          expect({ label, suffix, status: seen.status, contentType: seen.contentType }).toEqual({ label, suffix, status: 404, contentType: expect.stringMatching(/^application\/problem\+json/) });
        }
      }
      // The owner (and the two-tenant token choosing A) do see them, so the 404s above are about the tenant.
      for (const owner of [readerA, bothAsA]) {
        expect((await cp.call(owner, `/api/v1/jobs/${foreign}`)).status).toBe(200);
        expect((await cp.call<{ items: LedgerEventView[] }>(owner, `/api/v1/jobs/${foreign}/events`)).body.items.map((e) => e.eventType)).toContain('job.succeeded');
        const logs = await cp.call<{ items: { message: string }[] }>(owner, `/api/v1/jobs/${foreign}/logs`);
        expect(logs.body.items.map((l) => l.message)).toContain('echo attempt 1');
      }
    });

    it(`lists and summarises for ${TENANT_B} only ${TENANT_B}'s jobs`, async () => {
      const countsOf = async (tenant: string) => {
        const { rows } = await cluster.pg.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ledger.jobs WHERE tenant = $1 GROUP BY status`, [tenant]);
        return { total: rows.reduce((s, r) => s + r.n, 0), byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])) };
      };
      const expectedB = await countsOf(TENANT_B);
      expect(expectedB.total).toBe(jobsB.length);
      for (const { label, caller } of observers()) {
        const list = await cp.call<Page<JobView>>(caller, '/api/v1/jobs?page_size=500');
        expect({ label, status: list.status, ids: list.body.items.map((j) => j.id).sort(), next: list.body.next_page_token }).toEqual({
          label,
          status: 200,
          ids: jobsB.map((j) => j.id).sort(),
          next: null,
        });
        const summary = await cp.call<Summary>(caller, '/api/v1/jobs/summary');
        expect({ label, total: summary.body.total, byStatus: Object.fromEntries(Object.entries(summary.body.byStatus).filter(([, n]) => n > 0)) }).toEqual({ label, ...expectedB });
      }
      // A's own list and summary hold A's jobs: the counts above exclude something that exists.
      const listA = await cp.call<Page<JobView>>(readerA, '/api/v1/jobs?page_size=500');
      expect(listA.body.items.map((j) => j.id).sort()).toEqual(jobsA.map((j) => j.id).sort());
      expect((await cp.call<Summary>(bothAsA, '/api/v1/jobs/summary')).body.total).toBe((await countsOf(TENANT_A)).total);
    });

    it(`streams none of ${TENANT_A}'s events to ${TENANT_B} over SSE and WebSocket, while ${TENANT_A}'s own streams receive every one`, async () => {
      const [storedA, storedB] = [await cp.notifyOf(TENANT_A), await cp.notifyOf(TENANT_B)];
      expect(storedA.length).toBeGreaterThanOrEqual(jobsA.length * 5);
      const idsOf = (events: StreamedEvent[]) => events.map((e) => e.eventId);
      expect(idsOf(sseEvents(streams.sse.a))).toEqual(storedA.map((m) => m.msgId));
      expect(idsOf(wsEvents(streams.ws.a))).toEqual(storedA.map((m) => m.msgId));
      const foreignJobs = new Set(jobsA.map((j) => j.id));
      const seenByB = {
        sse: sseEvents(streams.sse.b),
        ws: wsEvents(streams.ws.b),
        sseBothAsB: sseEvents(streams.sse.bothAsB),
        wsBothAsB: wsEvents(streams.ws.bothAsB),
      };
      for (const [label, events] of Object.entries(seenByB)) {
        expect({ label, leaked: events.filter((e) => e.tenantId !== TENANT_B || foreignJobs.has(e.jobId)) }).toEqual({ label, leaked: [] });
        expect({ label, ids: idsOf(events) }).toEqual({ label, ids: storedB.map((m) => m.msgId) });
      }
    });

    it(`answers ${TENANT_B}'s log stream of ${TENANT_A}'s job 404, exactly as for an id that never existed, while ${TENANT_A} streams its lines`, async () => {
      const foreign = jobsA[0].id;
      const unknown = randomUUID();
      const url = (id: string) => `${cp.notifierUrl}/api/v1/jobs/${id}/logs/stream`;
      for (const { label, caller } of observers()) {
        const seen = await cp.notFoundShape(url(foreign), foreign, cp.headers(caller));
        expect({ label, ...seen }).toEqual({ label, ...(await cp.notFoundShape(url(unknown), unknown, cp.headers(caller))) });
        expect({ label, status: seen.status, body: JSON.parse(seen.body) as unknown }).toEqual({ label, status: 404, body: expect.objectContaining({ code: 'not_found' }) });
      }
      const own = await cp.openLogStream(readerA, foreign);
      await own.closed;
      expect(own.events.filter((e) => e.event === 'log').map((e) => (JSON.parse(e.data) as { message: string }).message)).toContain('echo attempt 1');
      expect(own.events[own.events.length - 1].event).toBe('end');
    });

    it('carries correlationId, tenant and project, those of the job, on every SSE and WebSocket message, log lines included', async () => {
      const all: [string, StreamedEvent[]][] = [
        ...Object.entries(streams.sse).map(([k, c]): [string, StreamedEvent[]] => [`sse.${k}`, sseEvents(c)]),
        ...Object.entries(streams.ws).map(([k, c]): [string, StreamedEvent[]] => [`ws.${k}`, wsEvents(c)]),
      ];
      for (const [label, events] of all) {
        expect({ label, n: events.length > 0 }).toEqual({ label, n: true });
        for (const e of events) {
          const job = byId.get(e.jobId);
          expect({ label, eventId: e.eventId, correlationId: e.correlationId, tenantId: e.tenantId, projectId: e.projectId }).toEqual({
            label,
            eventId: e.eventId,
            correlationId: job?.correlationId,
            tenantId: job?.tenant,
            projectId: job?.project,
          });
        }
      }
      expect(jobsA.map((j) => j.correlationId)).toEqual(['iso-a-1', 'iso-a-2']);

      for (const job of jobsA) {
        const logs = await cp.openLogStream(bothAsA, job.id);
        await logs.closed;
        const frames = logs.events.filter((e) => e.event === 'log' || e.event === 'end').map((e) => ({ event: e.event, ...(JSON.parse(e.data) as Record<string, unknown>) }));
        expect(frames.map((f) => f.event)).toEqual(['log', 'end']);
        for (const f of frames) expect(f).toMatchObject({ tenant: TENANT_A, project: job.project, correlationId: job.correlationId });
      }
    });
  });

  describe('resuming across an event-notifier restart', () => {
    /**
     * Runs jobs of `tenant` before, around and while the event-notifier is
     * stopped (SIGTERM), then starts it again. `connectedBefore` is a client
     * opened before the first job; answers the jobs run while it was down.
     */
    const aroundRestart = async (tenant: string, before: { events(): StreamedEvent[]; closed: Promise<unknown> }) => {
      const reader = await readerOf(tenant);
      const producer = await operatorOf(tenant);
      const early = [await cp.submit(producer, echo(tenant, 'p1'), `${tenant}-1`), await cp.submit(producer, echo(tenant, 'p2'), `${tenant}-2`)];
      for (const j of early) await cp.waitForStatus(reader, j.id, ['succeeded']);
      await waitFor(() => early.every((j) => before.events().some((e) => e.jobId === j.id && e.eventType === 'job.succeeded')), { timeoutMs: 30_000, what: 'the early jobs on the stream' });
      // Still running when the notifier stops: its events straddle the restart.
      const straddling = await cp.submit(producer, echo(tenant, 'p1', { sleepMs: 1000 }), `${tenant}-straddling`);
      await cp.waitForStatus(reader, straddling.id, ['running']);
      // A burst in flight at SIGTERM: relays, publishes and stream sends are cut in the middle.
      const burst = await cp.submitBatch(producer, Array.from({ length: BURST }, (_, i) => echo(tenant, `p${i % 3}`, { i })), `${tenant}-burst`);
      await waitFor(() => before.events().some((e) => burst.some((j) => j.id === e.jobId)), { timeoutMs: 30_000, what: 'the burst to reach the stream' });

      expect(await cluster.stopService('event-notifier')).toBe(0);
      await before.closed;
      const whileDown: JobView[] = [];
      for (let i = 0; i < 3; i++) whileDown.push(await cp.submit(producer, echo(tenant, `p${i}`), `${tenant}-down-${i}`));
      await cp.waitForTenantIdle(tenant);
      await cluster.startService('event-notifier');
      return { reader, whileDown };
    };

    /** Once resumed, before + after must be exactly what NOTIFY holds for the tenant, in order, and that is one message per ledger event. */
    const expectExactResume = async (tenant: string, before: StreamedEvent[], after: () => StreamedEvent[], whileDown: JobView[]) => {
      const stored = await cp.settledNotify(tenant);
      const last = stored[stored.length - 1].seq;
      await waitFor(() => reached(after(), last), { timeoutMs: 30_000, what: `the resumed stream to reach ${last}` });
      const union = [...before, ...after()];
      expect(union.map((e) => e.seq)).toEqual(stored.map((m) => m.seq));
      expect(union.map((e) => e.eventId)).toEqual(stored.map((m) => m.msgId));
      const ledger = await cp.ledgerEventIds(tenant);
      expect(stored).toHaveLength(ledger.length);
      expect(new Set(stored.map((m) => m.msgId))).toEqual(new Set(ledger));
      // The test means something: events were missed while down and came back only through the resume.
      for (const j of whileDown) {
        expect(before.some((e) => e.jobId === j.id)).toBe(false);
        expect(after().filter((e) => e.jobId === j.id).map((e) => e.eventType)).toContain('job.succeeded');
      }
    };

    it('resumes an SSE stream with Last-Event-ID after the restart with exactly the missed events: no gap, no duplicate', async () => {
      const first = await cp.openSse(await readerOf(SSE_TENANT));
      const { reader, whileDown } = await aroundRestart(SSE_TENANT, { events: () => sseEvents(first), closed: first.closed });
      expect(first.comments).toContain('server shutting down; reconnect with Last-Event-ID');
      const before = sseEvents(first);
      const resumed = await cp.openSse(reader, '', { 'Last-Event-ID': first.lastId! });
      await expectExactResume(SSE_TENANT, before, () => sseEvents(resumed), whileDown);
    });

    it('resumes a WebSocket stream with since after the restart with exactly the missed events: no gap, no duplicate', async () => {
      const first = await cp.openWs(await readerOf(WS_TENANT));
      const { reader, whileDown } = await aroundRestart(WS_TENANT, { events: () => wsEvents(first), closed: first.closed });
      expect(first.closeInfo).toEqual({ code: 1001, reason: 'server_shutdown' });
      const before = wsEvents(first);
      const resumed = await cp.openWs(reader, `since=${first.lastSeq!}`);
      await expectExactResume(WS_TENANT, before, () => wsEvents(resumed), whileDown);
    });
  });
});
