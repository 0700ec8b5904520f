import { Allocation, ArtifactView, CompleteResult, FailResult, JobError, LeaseResult, OrchError, UpstreamReportResult } from '@orch/contracts';
import type { ArtifactData } from './artifact-stream';
import { REPORT_RETRY_BACKOFF, retryDelayMs } from './backoff';
import { isStaleLease, isTransient, JobCanceledError, jobErrorOf, LeaseLostError, WorkerStoppingError } from './errors';
import type { WorkerLogger } from './logger';
import type { JobLogLevel, LeaseRef, PublishArtifactOptions } from './worker-client';

/** What a handler gets: the job, its lease, a signal, and calls back to the server. */
export interface JobContext<P = Record<string, unknown>> {
  readonly jobId: string;
  readonly tenant: string;
  readonly project: string;
  readonly jobType: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly payload: P;
  /** `orch-{jobId}-{attempt}`: use it for side effects that must happen once per attempt. */
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly leaseId: string;
  readonly fencingToken: number;
  /** The whole allocation (retry hint, lease expiry, …). */
  readonly allocation: Allocation;
  /**
   * Aborts when the lease is lost (reason {@link LeaseLostError}), an operator
   * cancels the job (reason {@link JobCanceledError}: throw to stop, which
   * reports the attempt canceled, or return a result to complete it anyway) or
   * the worker stops (reason {@link WorkerStoppingError}).
   */
  readonly signal: AbortSignal;
  /** Records progress (0–100 and/or a message); extends the lease. Rejects if the server refuses it. */
  progress(percent?: number, message?: string): Promise<void>;
  /** Publishes a log line for the job. Best effort: never rejects (failures go to `onError`). */
  log(level: JobLogLevel, message: string): Promise<void>;
  /** Extends the lease now (they are also sent automatically). Rejects if the server refuses it. */
  heartbeat(): Promise<void>;
  /**
   * Tells Orch how this job's upstream source answered: a 429 or 5xx (with Retry-After in ms, as
   * `parseRetryAfter` gives it) slows every worker's calls to that source down, then the rate
   * recovers on its own. Returns the rate limits it slowed (none when no adaptive limit applies).
   */
  reportUpstream(status: number, retryAfterMs?: number): Promise<UpstreamReportResult>;
  /**
   * Publishes an artifact of this attempt (docs/artifacts.md): streams `data` (bytes, a string,
   * or an async iterable such as a `Readable`) into the tenant's object store, computing SHA-256
   * and size on the way, then records it in the ledger, fenced by this lease. Names are unique per
   * attempt (`artifact_exists`), at most the allocation's `artifactMaxBytes` (`artifact_too_large`).
   * Resolves with the ledger's record; a lease found gone (`stale_lease`) also aborts {@link signal}.
   */
  publishArtifact(name: string, data: ArtifactData, options?: { mime?: string }): Promise<ArtifactView>;
}

/** A job handler: its return value (JSON) completes the job; a throw fails the attempt. */
export type JobHandler<P = Record<string, unknown>, R = unknown> = (ctx: JobContext<P>) => Promise<R> | R;

/** The server calls a job run makes (a subset of WorkerClient, so runs can be tested without NATS). */
export interface JobApi {
  start(lease: LeaseRef): Promise<LeaseResult>;
  heartbeat(lease: LeaseRef, leaseMs?: number): Promise<LeaseResult>;
  progress(lease: LeaseRef, percent?: number, message?: string): Promise<LeaseResult>;
  complete(lease: LeaseRef, result: unknown): Promise<CompleteResult>;
  fail(lease: LeaseRef, error: JobError): Promise<FailResult>;
  log(lease: LeaseRef, level: JobLogLevel, message: string): Promise<void>;
  upstream(lease: LeaseRef, status: number, retryAfterMs?: number): Promise<UpstreamReportResult>;
  publishArtifact(lease: LeaseRef, name: string, data: ArtifactData, options: PublishArtifactOptions): Promise<ArtifactView>;
}

/** How a job run ended. */
export type JobOutcome =
  | { kind: 'completed'; jobId: string; attempt: number; status: string }
  | { kind: 'failed'; jobId: string; attempt: number; status: string; error: JobError }
  /** An operator canceled the job and the handler stopped; reported as `fail` code `canceled` (status is the server's, normally `canceled`). */
  | { kind: 'canceled'; jobId: string; attempt: number; status: string }
  /** The lease was gone (expired, or taken over); the server retries the job on its own. */
  | { kind: 'lease_lost'; jobId: string; attempt: number; reason: string }
  /** Could not report the outcome in time; the lease will expire and the server retries. */
  | { kind: 'abandoned'; jobId: string; attempt: number; reason: string };

/** Where a problem happened (for `onError`). */
export interface ErrorInfo {
  phase: 'claim' | 'start' | 'heartbeat' | 'progress' | 'log' | 'complete' | 'fail' | 'handler';
  jobId?: string;
  attempt?: number;
}

/** Settings and callbacks of a job run. */
export interface JobRunOptions {
  /** How long start/complete/fail are retried while the server is unreachable. */
  reportRetryMaxMs: number;
  /** Lease asked on each heartbeat (default: the allocation's). */
  leaseMs?: number;
  logger: WorkerLogger;
  onError: (err: unknown, info: ErrorInfo) => void;
  random?: () => number;
}

/** Report retries after the worker began aborting jobs stay this short. */
const STOPPING_REPORT_MAX_MS = 2_000;

/**
 * Runs one allocation: `start`, the handler with automatic heartbeats every
 * `heartbeatMs`, then `complete` or `fail`. A refused heartbeat means the
 * lease is gone: the signal aborts (reason `lease_lost`) and nothing is
 * reported, since the server has already moved the job on. A cancel (a reply
 * with `cancelRequested`, or {@link JobRun.cancel} on a notice) aborts the
 * signal with a {@link JobCanceledError}; the handler's throw is then reported
 * as `fail` code `canceled`, not retryable. Reports are retried
 * with backoff while the server is unreachable, for a bounded time.
 */
export class JobRun {
  private readonly controller = new AbortController();
  private beatTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private renewedAt: number;
  /** Set when the worker aborts the job: reports stop retrying by then. */
  private stopDeadline = Number.POSITIVE_INFINITY;
  private sleeper: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  /** Artifact names published (or being published) by this run: the same name twice is refused at once. */
  private readonly artifactNames = new Set<string>();

  constructor(
    private readonly api: JobApi,
    readonly allocation: Allocation,
    private readonly handler: JobHandler,
    private readonly options: JobRunOptions,
  ) {
    this.renewedAt = Date.now();
  }

  /**
   * Aborts the handler because an operator canceled the job (a cancel notice,
   * or a reply saying `cancelRequested`). Reports are not cut short: the
   * server waits for them until the cancel grace deadline.
   */
  cancel(message = 'the job was canceled by an operator'): void {
    if (this.controller.signal.aborted) return;
    this.options.logger.info('job canceled; aborting the handler', { jobId: this.allocation.jobId, attempt: this.allocation.attempt, reason: message });
    this.controller.abort(new JobCanceledError(message));
  }

  /** Aborts the handler (the worker is stopping); its failure is still reported, briefly. */
  abort(reason: Error = new WorkerStoppingError()): void {
    this.stopDeadline = Math.min(this.stopDeadline, Date.now() + STOPPING_REPORT_MAX_MS);
    this.sleeper?.wake();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Runs the job to an outcome; never throws. */
  async run(): Promise<JobOutcome> {
    const a = this.allocation;
    const base = { jobId: a.jobId, attempt: a.attempt };
    try {
      const started = await this.report('start', () => this.api.start(a));
      if (started.cancelRequested) this.cancel('cancel requested before the job started');
    } catch (err) {
      return this.unreported(err, 'start');
    }
    this.scheduleBeat();
    let value: unknown;
    let thrown: unknown;
    let failed = false;
    try {
      value = await this.handler(this.context());
    } catch (err) {
      failed = true;
      thrown = err;
    }
    try {
      const reason = this.controller.signal.reason as unknown;
      if (reason instanceof LeaseLostError) return { kind: 'lease_lost', ...base, reason: reason.message };
      if (!failed) {
        const r = await this.report('complete', () => this.api.complete(a, value ?? null));
        return { kind: 'completed', ...base, status: r.status };
      }
      if (reason instanceof JobCanceledError) {
        const r = await this.report('fail', () => this.api.fail(a, jobErrorOf(reason)));
        return { kind: 'canceled', ...base, status: r.status };
      }
      // A handler that stopped because the worker is stopping failed for that reason, whatever it threw.
      const error = jobErrorOf(reason instanceof WorkerStoppingError ? reason : thrown);
      if (!(reason instanceof WorkerStoppingError)) this.options.onError(thrown, { phase: 'handler', ...base });
      const r = await this.report('fail', () => this.api.fail(a, error));
      return { kind: 'failed', ...base, status: r.status, error };
    } catch (err) {
      return this.unreported(err, failed ? 'fail' : 'complete');
    } finally {
      this.stopBeats();
    }
  }

  private context(): JobContext {
    const a = this.allocation;
    return {
      jobId: a.jobId,
      tenant: a.tenant,
      project: a.project,
      jobType: a.jobType,
      attempt: a.attempt,
      maxAttempts: a.maxAttempts,
      payload: a.payload,
      idempotencyKey: a.idempotencyKey,
      correlationId: a.correlationId,
      leaseId: a.leaseId,
      fencingToken: a.fencingToken,
      allocation: a,
      signal: this.controller.signal,
      progress: async (percent, message) => {
        await this.renew('progress', () => this.api.progress(a, percent, message));
      },
      heartbeat: async () => {
        await this.renew('heartbeat', () => this.api.heartbeat(a, this.options.leaseMs));
      },
      reportUpstream: (status, retryAfterMs) => this.api.upstream(a, status, retryAfterMs),
      publishArtifact: (name, data, options = {}) => this.publishArtifact(name, data, options.mime),
      log: (level, message) =>
        this.api.log(a, level, message).catch((err: unknown) => this.options.onError(err, { phase: 'log', jobId: a.jobId, attempt: a.attempt })),
    };
  }

  private async publishArtifact(name: string, data: ArtifactData, mime: string | undefined): Promise<ArtifactView> {
    const a = this.allocation;
    if (this.artifactNames.has(name)) {
      throw new OrchError('artifactExists', `artifact "${name}" was already published by attempt ${a.attempt} of job ${a.jobId}; names are unique per attempt`, { retryable: false });
    }
    this.artifactNames.add(name);
    try {
      return await this.api.publishArtifact(a, name, data, {
        mime,
        maxBytes: a.artifactMaxBytes,
        signal: this.controller.signal,
        recordRetryMaxMs: this.options.reportRetryMaxMs,
      });
    } catch (err) {
      this.artifactNames.delete(name);
      if (isStaleLease(err)) this.loseLease(`artifact refused: ${(err as Error).message}`, err);
      throw err;
    }
  }

  /** A call that extends the lease: success renews it; a refusal means the lease is gone. */
  private async renew(phase: 'heartbeat' | 'progress', call: () => Promise<LeaseResult>): Promise<void> {
    try {
      const r = await call();
      this.renewedAt = Date.now();
      if (r.cancelRequested) this.cancel(`cancel requested (${phase} reply)`);
    } catch (err) {
      if (isStaleLease(err)) this.loseLease(`${phase} refused: ${(err as Error).message}`, err);
      throw err;
    }
  }

  private scheduleBeat(): void {
    if (this.controller.signal.aborted && this.controller.signal.reason instanceof LeaseLostError) return;
    this.beatTimer = setTimeout(() => void this.beat(), this.allocation.heartbeatMs);
  }

  private async beat(): Promise<void> {
    this.beatTimer = null;
    const a = this.allocation;
    try {
      await this.renew('heartbeat', () => this.api.heartbeat(a, this.options.leaseMs));
    } catch (err) {
      if (!isStaleLease(err)) {
        this.options.onError(err, { phase: 'heartbeat', jobId: a.jobId, attempt: a.attempt });
        // The server could not be told in time: past the lease, the job may already be someone else's.
        const leaseMs = this.options.leaseMs ?? a.leaseMs;
        if (Date.now() - this.renewedAt >= leaseMs) this.loseLease(`no heartbeat got through for ${leaseMs} ms`, err);
      }
    }
    if (this.beatTimer === null && !this.stopped) this.scheduleBeat();
  }

  private stopBeats(): void {
    this.stopped = true;
    if (this.beatTimer) clearTimeout(this.beatTimer);
    this.beatTimer = null;
  }

  private loseLease(reason: string, cause: unknown): void {
    if (this.controller.signal.aborted) return;
    this.options.logger.warn('lease lost; abandoning the job', { jobId: this.allocation.jobId, attempt: this.allocation.attempt, reason });
    this.controller.abort(new LeaseLostError(reason, { cause }));
  }

  /** Calls `fn`, retrying transient failures with backoff for up to reportRetryMaxMs (less once aborted). */
  private async report<T>(phase: 'start' | 'complete' | 'fail', fn: () => Promise<T>): Promise<T> {
    const until = Date.now() + this.options.reportRetryMaxMs;
    for (let failures = 1; ; failures++) {
      try {
        return await fn();
      } catch (err) {
        const left = Math.min(until, this.stopDeadline) - Date.now();
        if (!isTransient(err) || left <= 0) throw err;
        this.options.onError(err, { phase, jobId: this.allocation.jobId, attempt: this.allocation.attempt });
        await this.sleep(Math.min(left, retryDelayMs(failures, REPORT_RETRY_BACKOFF, this.options.random)));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeper = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeper = { timer, wake };
    });
  }

  /** The outcome could not be reported: a stale lease means the server moved on; otherwise the lease will expire. */
  private unreported(err: unknown, phase: 'start' | 'complete' | 'fail'): JobOutcome {
    const a = this.allocation;
    const reason = `${phase}: ${(err as Error)?.message ?? String(err)}`;
    if (isStaleLease(err)) {
      this.options.logger.warn('lease is gone; the server has moved the job on', { jobId: a.jobId, attempt: a.attempt, phase });
      return { kind: 'lease_lost', jobId: a.jobId, attempt: a.attempt, reason };
    }
    this.options.onError(err, { phase, jobId: a.jobId, attempt: a.attempt });
    return { kind: 'abandoned', jobId: a.jobId, attempt: a.attempt, reason };
  }
}
