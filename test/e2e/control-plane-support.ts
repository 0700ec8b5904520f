/**
 * Helpers of the control-plane end-to-end tests (control-plane.e2e-spec.ts) on
 * top of {@link E2eCluster}: callers (a token, maybe with `X-Orch-Tenant`),
 * submits and polls through the api, live-stream clients of the event-notifier
 * that are closed at the end, and what the ledger and the NOTIFY stream hold.
 */
import { isTerminal, JobStatus, JobView } from '@orch/contracts';
import { E2eCluster, readStream, SseClient, StoredMessage, waitFor, waitForDurableCaughtUp, WsTestClient } from '@orch/testing';

/** Who calls: a bearer token and, for a token of several tenants, the tenant it selects. */
export interface Caller {
  token: string;
  /** Sent as `X-Orch-Tenant`. */
  tenant?: string;
}

/** The body of a job submit. */
export interface JobBody {
  tenant: string;
  project: string;
  jobType: string;
  payload: Record<string, unknown>;
}

/** A parsed api answer. */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  contentType: string;
  body: T;
}

/**
 * What a 404 looks like to the caller, with the id it named replaced by `<id>`
 * and the per-request trace id dropped: two of them are equal when nothing
 * tells a foreign object from a missing one.
 */
export interface NotFoundShape {
  status: number;
  contentType: string | null;
  headerNames: string[];
  challenge: string | null;
  body: string;
}

/** A notifier event as both stream transports carry it, with its stream position. */
export interface StreamedEvent {
  seq: number;
  eventId: string;
  eventType: string;
  tenantId: string;
  projectId: string;
  correlationId: string;
  jobId: string;
}

/** Headers every response differs in by nature, left out of {@link NotFoundShape.headerNames}. */
const PER_RESPONSE_HEADERS = new Set(['date', 'etag']);

/** The e2e tests' view of one cluster. */
export class ControlPlane {
  private readonly clients: { close(): void }[] = [];
  private keys = 0;

  constructor(private readonly cluster: E2eCluster) {}

  get notifierUrl(): string {
    return this.cluster.service('event-notifier').baseUrl;
  }

  /** `Authorization` (and `X-Orch-Tenant`) of `caller`. */
  headers(caller: Caller): Record<string, string> {
    return { Authorization: `Bearer ${caller.token}`, ...(caller.tenant !== undefined ? { 'X-Orch-Tenant': caller.tenant } : {}) };
  }

  /** A request to the api as `caller`, its body parsed as JSON when there is one. */
  async call<T = unknown>(caller: Caller, path: string, init: RequestInit = {}): Promise<Answer<T>> {
    const res = await this.cluster.api(path, { ...init, headers: { ...this.headers(caller), ...(init.headers as Record<string, string> | undefined) } });
    return this.answer<T>(res);
  }

  /** Submits a job as `caller` with an `X-Correlation-Id` of the test's choosing; expects 201. */
  async submit(caller: Caller, body: JobBody, correlationId: string): Promise<JobView> {
    const res = await this.call<JobView>(caller, '/api/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': `e2e-${this.keys++}-${correlationId}`, 'X-Correlation-Id': correlationId },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Submits `jobs` in one `POST /api/v1/jobs/batch` (one ledger transaction); expects 201. */
  async submitBatch(caller: Caller, jobs: JobBody[], correlationId: string): Promise<JobView[]> {
    const res = await this.call<{ jobs: JobView[] }>(caller, '/api/v1/jobs/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': `e2e-${this.keys++}-${correlationId}`, 'X-Correlation-Id': correlationId },
      body: JSON.stringify({ jobs }),
    });
    if (res.status !== 201) throw new Error(`batch submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.jobs;
  }

  /** Waits until every job of `tenant` is terminal (read from the ledger). */
  async waitForTenantIdle(tenant: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await this.cluster.pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ledger.jobs WHERE tenant = $1 AND status NOT IN ('succeeded', 'failed', 'canceled', 'timed_out')`,
          [tenant],
        );
        return rows[0].n === 0;
      },
      { timeoutMs, intervalMs: 100, what: `every job of ${tenant} to be terminal` },
    );
  }

  async job(caller: Caller, id: string): Promise<JobView> {
    const res = await this.call<JobView>(caller, `/api/v1/jobs/${id}`);
    if (res.status !== 200) throw new Error(`GET job ${id} answered ${res.status}`);
    return res.body;
  }

  /** Polls the job until its status is one of `statuses` (`terminal`: any terminal one). */
  waitForStatus(caller: Caller, id: string, statuses: readonly JobStatus[] | 'terminal', timeoutMs = 30_000): Promise<JobView> {
    const wanted = (s: JobStatus) => (statuses === 'terminal' ? isTerminal(s) : statuses.includes(s));
    return waitFor(
      async () => {
        const j = await this.job(caller, id);
        return wanted(j.status) ? j : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `job ${id} to be ${statuses === 'terminal' ? 'terminal' : statuses.join(' or ')}` },
    );
  }

  /** The {@link NotFoundShape} of `GET url` naming `id`, for a request of the api or of the event-notifier. */
  async notFoundShape(url: string, id: string, headers: Record<string, string>): Promise<NotFoundShape> {
    const res = await fetch(url, { headers });
    const text = await res.text();
    let body = text;
    try {
      const { traceId: _traceId, ...rest } = JSON.parse(text) as Record<string, unknown>;
      body = JSON.stringify(rest);
    } catch {
      // Not JSON: compared as it is.
    }
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      headerNames: [...res.headers.keys()].filter((h) => !PER_RESPONSE_HEADERS.has(h)).sort(),
      challenge: res.headers.get('www-authenticate'),
      body: body.split(id).join('<id>'),
    };
  }

  /** Opens the SSE event stream as `caller` (extra query and headers, e.g. `Last-Event-ID`); expects 200. */
  async openSse(caller: Caller, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
    return this.openSseAt(`${this.notifierUrl}/api/v1/events/stream${query ? `?${query}` : ''}`, caller, headers);
  }

  /** Opens the job's log SSE stream as `caller`; expects 200. */
  async openLogStream(caller: Caller, jobId: string): Promise<SseClient> {
    return this.openSseAt(`${this.notifierUrl}/api/v1/jobs/${jobId}/logs/stream`, caller);
  }

  /** Opens the WebSocket event stream as `caller` (extra query, e.g. `since=`). */
  async openWs(caller: Caller, query = ''): Promise<WsTestClient> {
    const url = `${this.notifierUrl.replace(/^http/, 'ws')}/api/v1/events/ws${query ? `?${query}` : ''}`;
    const c = await WsTestClient.connect(url, { headers: this.headers(caller) });
    this.clients.push(c);
    return c;
  }

  /** Every notifier message NOTIFY holds for `tenant`, in stream order. */
  notifyOf(tenant: string): Promise<StoredMessage[]> {
    const { nc, names } = this.cluster.ns;
    return readStream(nc, names.streams.notify, names.notifyTenant(tenant));
  }

  /** Ids of the tenant's ledger events. */
  async ledgerEventIds(tenant: string): Promise<string[]> {
    const { rows } = await this.cluster.pg.query<{ id: string }>(`SELECT id FROM ledger.job_events WHERE tenant = $1 ORDER BY seq`, [tenant]);
    return rows.map((r) => r.id);
  }

  /**
   * Waits until the event-notifier relayed every ledger event of `tenant` (call
   * it once the tenant's jobs are terminal) and answers what NOTIFY holds for it.
   * Duplicates are counted, not waited away: the caller compares the lengths.
   */
  async settledNotify(tenant: string): Promise<StoredMessage[]> {
    const { nc, names } = this.cluster.ns;
    const ledger = await this.ledgerEventIds(tenant);
    await waitFor(async () => new Set((await this.notifyOf(tenant)).map((m) => m.msgId)).size >= ledger.length, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `${ledger.length} notifier messages of ${tenant}`,
    });
    await waitForDurableCaughtUp(nc, names.streams.events, 'event-notifier');
    return this.notifyOf(tenant);
  }

  /** Closes every stream client opened here. */
  closeAll(): void {
    for (const c of this.clients.splice(0)) c.close();
  }

  private async openSseAt(url: string, caller: Caller, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = await SseClient.open(url, { ...this.headers(caller), ...headers });
    this.clients.push(c);
    if (c.status !== 200) throw new Error(`${url} answered ${c.status}`);
    return c;
  }

  private async answer<T>(res: Response): Promise<Answer<T>> {
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      contentType: res.headers.get('content-type') ?? '',
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }
}

/** The events an SSE client received, as {@link StreamedEvent}s. */
export function sseEvents(c: SseClient): StreamedEvent[] {
  return c.notifierEvents.map((e) => ({ seq: e.sseId, eventId: e.eventId, eventType: e.eventType, tenantId: e.tenantId, projectId: e.projectId, correlationId: e.correlationId, jobId: e.job.id }));
}

/** The events a WebSocket client received, as {@link StreamedEvent}s. */
export function wsEvents(c: WsTestClient): StreamedEvent[] {
  return c.messages.map(({ seq, event: e }) => ({ seq, eventId: e.eventId, eventType: e.eventType, tenantId: e.tenantId, projectId: e.projectId, correlationId: e.correlationId, jobId: e.job.id }));
}

/** Whether a client's events reach stream sequence `seq` (ordered delivery: everything before it arrived too). */
export function reached(events: readonly StreamedEvent[], seq: number): boolean {
  return events.length > 0 && events[events.length - 1].seq >= seq;
}
