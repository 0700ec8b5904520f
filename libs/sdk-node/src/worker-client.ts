import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Allocation,
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
  OrchNames,
  orchNames,
  UpstreamReportResult,
  WorkerVerb,
} from '@orch/contracts';
import { randomUUID } from 'node:crypto';
import { transportError } from './errors';
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
