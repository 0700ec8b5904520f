import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Allocation,
  ArtifactLimits,
  ArtifactView,
  ClaimResult,
  CompleteResult,
  decodeReply,
  DEFAULT_NAMESPACE,
  encodeJson,
  EnvelopeInit,
  FailResult,
  JobError,
  LeaseResult,
  LogLine,
  makeEnvelope,
  OrchError,
  OrchNames,
  orchNames,
  RecordArtifactResult,
  UpstreamReportResult,
  WorkerVerb,
} from '@orch/contracts';
import { randomUUID } from 'node:crypto';
import { ArtifactData, checkArtifactInput, defaultArtifactMime } from './artifact-stream';
import { ArtifactStoreClient } from './artifact-store';
import { REPORT_RETRY_BACKOFF, retryDelayMs } from './backoff';
import { isTransient, transportError } from './errors';
import { connectWorkerNats, WorkerConnectionOptions } from './worker-connection';

/** How long a non-claim request waits for its reply (the broker's own ledger call is shorter). */
export const REQUEST_TIMEOUT_DEFAULT_MS = 15_000;
/** A claim waits its long-poll plus this, which covers the broker's `lease` call. */
export const CLAIM_TIMEOUT_MARGIN_MS = 10_000;
/** Longest log line message the protocol accepts. */
export const LOG_MESSAGE_MAX = 8_192;

/** The lease fields every fenced call carries, plus the envelope fields of the job. */
export type LeaseRef = Pick<Allocation, 'jobId' | 'leaseId' | 'fencingToken' | 'project' | 'jobType' | 'correlationId' | 'attempt'>;

/** Log levels of a job's log lines. */
export type JobLogLevel = LogLine['level'];

/** Options of {@link WorkerClient}. */
export interface WorkerClientOptions {
  nc: NatsConnection;
  tenant: string;
  workerId: string;
  /** Default `orch`. */
  namespace?: string;
  /** Project of claims (`*` = any). */
  project?: string;
  requestTimeoutMs?: number;
}

/** Options of {@link WorkerClient.connect}: the client's options and where and as whom to connect. */
export type WorkerClientConnectOptions = Omit<WorkerClientOptions, 'nc'> & WorkerConnectionOptions;

/** Options of {@link WorkerClient.publishArtifact}. */
export interface PublishArtifactOptions {
  /** Media type the download is served with; default `text/plain; charset=utf-8` for a string, else `application/octet-stream`. */
  mime?: string;
  /** Largest size (the allocation's `artifactMaxBytes`; default {@link ArtifactLimits.maxBytesDefault}). */
  maxBytes?: number;
  /** Aborts the upload (the job's signal). */
  signal?: AbortSignal;
  /** How long recording it is retried while the lease-broker or ledger is unreachable (default 30 s). */
  recordRetryMaxMs?: number;
}

/** A record of an artifact: what the `artifact` verb carries besides the lease. */
export type ArtifactRecord = Pick<ArtifactView, 'name' | 'sha256' | 'size' | 'mime'>;

/** How long a stored artifact's record is retried by default. */
export const ARTIFACT_RECORD_RETRY_DEFAULT_MS = 30_000;

/** A claim as the worker asks it. */
export interface ClaimParams {
  jobTypes: string[];
  max: number;
  /** Long-poll: how long the broker may hold the claim for work to arrive. */
  waitMs?: number;
  leaseMs?: number;
}

/**
 * The worker protocol (docs/protocol.md), one call per verb: JSON envelopes
 * request/reply on `<ns>.worker.<tenant>.<verb>`, log lines published to
 * JetStream on `<ns>.log.<tenant>.<jobId>`. Failures are OrchErrors: the
 * server's (`stale_lease`, `validation_failed`, …) as it sent them; no
 * responders → `unavailable`, no reply in time → `timeout` (both retryable).
 */
export class WorkerClient {
  readonly names: OrchNames;
  private readonly js: JetStreamClient;
  private readonly requestTimeoutMs: number;
  private artifactStore: ArtifactStoreClient | null = null;

  /** On a connection of yours, whose inbox prefix suits the credentials (`_INBOX_<tenant>`); or use {@link WorkerClient.connect}. */
  constructor(
    private readonly options: WorkerClientOptions,
    private readonly ownsConnection = false,
  ) {
    this.names = orchNames(options.namespace ?? DEFAULT_NAMESPACE);
    this.js = jetstream(options.nc);
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_DEFAULT_MS;
  }

  /** Opens a connection of its own (the tenant's credentials and inbox prefix); {@link close} drains it. */
  static async connect(options: WorkerClientConnectOptions): Promise<WorkerClient> {
    const nc = await connectWorkerNats(options.tenant, { ...options, name: `orch-worker:${options.workerId}` });
    return new WorkerClient({ ...options, nc }, true);
  }

  /** Drains the connection if {@link WorkerClient.connect} opened it; a connection you passed in stays open. */
  async close(): Promise<void> {
    if (this.ownsConnection && !this.options.nc.isClosed()) await this.options.nc.drain().catch(() => undefined);
  }

  get tenant(): string {
    return this.options.tenant;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Asks for up to `max` jobs of `jobTypes`; with `waitMs` the broker answers once work arrives or the wait ends. */
  claim(params: ClaimParams): Promise<ClaimResult> {
    const data = { workerId: this.workerId, jobTypes: params.jobTypes, max: params.max, ...(params.waitMs ? { waitMs: params.waitMs } : {}), ...(params.leaseMs ? { leaseMs: params.leaseMs } : {}) };
    return this.request<ClaimResult>(
      'claim',
      { type: 'worker.claim', tenant: this.tenant, project: this.options.project ?? '*', correlationId: randomUUID(), taskRunnerId: this.workerId, data },
      (params.waitMs ?? 0) + CLAIM_TIMEOUT_MARGIN_MS,
    );
  }

  /** Acknowledges an allocation: the job is now running. */
  start(lease: LeaseRef): Promise<LeaseResult> {
    return this.fenced<LeaseResult>('start', lease, {});
  }

  /** Extends the lease (by `leaseMs`, or the lease's own duration). */
  heartbeat(lease: LeaseRef, leaseMs?: number): Promise<LeaseResult> {
    return this.fenced<LeaseResult>('heartbeat', lease, leaseMs ? { leaseMs } : {});
  }

  /** Records progress; also extends the lease. */
  progress(lease: LeaseRef, percent?: number, message?: string): Promise<LeaseResult> {
    return this.fenced<LeaseResult>('progress', lease, { ...(percent !== undefined ? { percent } : {}), ...(message !== undefined ? { message } : {}) });
  }

  /** The attempt succeeded with `result` (JSON). */
  complete(lease: LeaseRef, result: unknown): Promise<CompleteResult> {
    return this.fenced<CompleteResult>('complete', lease, { result: result === undefined ? null : result });
  }

  /** The attempt failed; `error.retryable` (default true) decides whether another attempt follows. */
  fail(lease: LeaseRef, error: JobError): Promise<FailResult> {
    return this.fenced<FailResult>('fail', lease, { error });
  }

  /**
   * Reports how the job's upstream source answered: a 429 or 5xx (with its Retry-After in ms)
   * slows the source's adaptive rate limits down for every worker; other statuses change nothing.
   */
  upstream(lease: LeaseRef, status: number, retryAfterMs?: number): Promise<UpstreamReportResult> {
    return this.fenced<UpstreamReportResult>('upstream', lease, { status, ...(retryAfterMs !== undefined ? { retryAfterMs: Math.max(0, Math.round(retryAfterMs)) } : {}) });
  }

  /** Records an artifact already stored in the tenant's bucket under `<jobId>/<attempt>/<name>` (the bare verb; see {@link publishArtifact}). */
  artifact(lease: LeaseRef, record: ArtifactRecord): Promise<RecordArtifactResult> {
    return this.fenced<RecordArtifactResult>('artifact', lease, { ...record });
  }

  /**
   * Publishes an artifact of the attempt: streams `data` into the tenant's object-store bucket
   * under `<jobId>/<attempt>/<name>` while computing its SHA-256 and size, then records it in the
   * ledger (`artifact`, fenced like every call about the job; retried while the server is
   * unreachable). A record the server refuses (`stale_lease`, `artifact_too_large`, …) removes the
   * stored bytes again. Errors: `validation_failed` (name or mime), `artifact_exists` (the name is
   * taken in this attempt), `artifact_too_large`, `stale_lease`, `forbidden` (credentials),
   * `unavailable`; an abort of `signal` rejects with its reason.
   */
  async publishArtifact(lease: LeaseRef, name: string, data: ArtifactData, options: PublishArtifactOptions = {}): Promise<ArtifactView> {
    const mime = options.mime ?? defaultArtifactMime(data);
    checkArtifactInput(name, mime);
    const maxBytes = options.maxBytes ?? ArtifactLimits.maxBytesDefault;
    if (data instanceof Uint8Array && data.length > maxBytes) {
      throw new OrchError('artifactTooLarge', `artifact "${name}" is ${data.length} bytes; the limit is ${maxBytes} (ARTIFACT_MAX_BYTES)`, { retryable: false });
    }
    this.artifactStore ??= new ArtifactStoreClient(this.options.nc, this.names.namespace, this.tenant);
    const stored = await this.artifactStore.put({ jobId: lease.jobId, attempt: lease.attempt, name, data, maxBytes, signal: options.signal });
    const record: ArtifactRecord = { name, sha256: stored.sha256, size: stored.size, mime };
    const until = Date.now() + (options.recordRetryMaxMs ?? ARTIFACT_RECORD_RETRY_DEFAULT_MS);
    for (let failures = 1; ; failures++) {
      try {
        return (await this.artifact(lease, record)).artifact;
      } catch (err) {
        // Unreachable for too long: the record may have been committed all the same, so the bytes stay.
        if (isTransient(err) && Date.now() < until) {
          await new Promise((r) => setTimeout(r, Math.min(until - Date.now(), retryDelayMs(failures, REPORT_RETRY_BACKOFF))));
          continue;
        }
        if (!isTransient(err)) await this.artifactStore.remove(stored.objectName);
        throw err;
      }
    }
  }

  /** Publishes a log line of the job to JetStream (`<ns>.log.<tenant>.<jobId>`); resolves once stored. */
  async log(lease: LeaseRef, level: JobLogLevel, message: string): Promise<void> {
    const line: LogLine = {
      jobId: lease.jobId,
      attempt: lease.attempt,
      level,
      message: message.length > LOG_MESSAGE_MAX ? message.slice(0, LOG_MESSAGE_MAX) : message,
      ts: new Date().toISOString(),
    };
    const env = makeEnvelope({ ...this.jobEnvelope(lease), type: 'job.log', data: line });
    const subject = this.names.log(this.tenant, lease.jobId);
    try {
      await this.js.publish(subject, encodeJson(env));
    } catch (err) {
      throw transportError(err, subject, this.requestTimeoutMs);
    }
  }

  private fenced<T>(verb: WorkerVerb, lease: LeaseRef, extra: Record<string, unknown>): Promise<T> {
    const data = { jobId: lease.jobId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, ...extra };
    return this.request<T>(verb, { ...this.jobEnvelope(lease), type: `worker.${verb}`, data }, this.requestTimeoutMs);
  }

  private jobEnvelope(lease: LeaseRef): Omit<EnvelopeInit<unknown>, 'type' | 'data'> {
    return { tenant: this.tenant, project: lease.project, correlationId: lease.correlationId, jobType: lease.jobType, taskRunnerId: this.workerId };
  }

  private async request<T>(verb: WorkerVerb, init: EnvelopeInit<unknown>, timeoutMs: number): Promise<T> {
    const subject = this.names.worker(this.tenant, verb);
    let raw: Uint8Array;
    try {
      const msg = await this.options.nc.request(subject, encodeJson(makeEnvelope(init)), { timeout: timeoutMs });
      raw = msg.data;
    } catch (err) {
      throw transportError(err, subject, timeoutMs);
    }
    return decodeReply<T>(raw);
  }
}
