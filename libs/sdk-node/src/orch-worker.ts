import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Allocation, CancelNotice, decodeEnvelope, WorkerLimits } from '@orch/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CLAIM_RETRY_BACKOFF, retryDelayMs } from './backoff';
import { ErrorInfo, JobHandler, JobOutcome, JobRun } from './job-run';
import { silentLogger, WorkerLogger } from './logger';
import { WorkerClient } from './worker-client';
import { connectWorkerNats, WorkerConnectionOptions } from './worker-connection';

/** Defaults of {@link OrchWorkerOptions}. */
export const WORKER_DEFAULTS = {
  namespace: 'orch',
  project: '*',
  concurrency: 8,
  claimWaitMs: 5_000,
  reportRetryMaxMs: 60_000,
  stopGraceMs: 30_000,
} as const;

/** After the grace period, aborted handlers get this long to wind down and report. */
const ABORT_SETTLE_MS = 3_000;

/**
 * Options of {@link OrchWorker}. Without `nc` the worker opens (and at stop
 * closes) its own connection from the {@link WorkerConnectionOptions}: `servers`
 * (default `nats://127.0.0.1:4222`), the tenant's credentials, and the inbox
 * prefix `_INBOX_<tenant>`.
 */
export interface OrchWorkerOptions extends WorkerConnectionOptions {
  /** An open connection to use (the worker leaves it open at stop); its inbox prefix must suit the credentials. */
  nc?: NatsConnection;
  /** Orch namespace (subject prefix). Default `orch`. */
  namespace?: string;
  tenant: string;
  /** Project to claim from; `*` (default) = any. */
  project?: string;
  /** Default `${hostname}-${pid}-${random}`. */
  workerId?: string;
  /** One handler per job type; the worker claims exactly these types. */
  handlers: Record<string, JobHandler>;
  /** Jobs run at once. Default 8. */
  concurrency?: number;
  /** Lease to ask for (the broker's default when unset). */
  leaseMs?: number;
  /** Long-poll of each claim. Default 5000. */
  claimWaitMs?: number;
  /** How long start/complete/fail are retried while the server is unreachable. Default 60 s. */
  reportRetryMaxMs?: number;
  logger?: WorkerLogger;
  /** Every problem the worker rides out (claim errors, failed reports, handler throws, …). */
  onError?: (err: unknown, info: ErrorInfo) => void;
  /** Every finished job run. */
  onJobEnd?: (outcome: JobOutcome) => void;
}

/** The default worker id: host, pid and a random suffix (`-<pid>-` identifies the process). */
export function defaultWorkerId(): string {
  return `${hostname().slice(0, 64)}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Runs jobs for one tenant: claims up to `concurrency` jobs at a time (long
 * polling), runs each with its handler under a heartbeated lease, and reports
 * the outcome. Claim failures (broker unreachable, …) back off and retry.
 *
 * ```ts
 * const worker = new OrchWorker({ servers: 'nats://127.0.0.1:4222', tenant: 'acme', handlers: {
 *   'report.build': async (ctx) => buildReport(ctx.payload, ctx.signal),
 * } });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.stop({ graceMs: 10_000 }));
 * ```
 */
export class OrchWorker {
  readonly workerId: string;
  private readonly jobTypes: string[];
  private readonly logger: WorkerLogger;
  private readonly runs = new Map<string, { run: JobRun; done: Promise<void> }>();
  private nc: NatsConnection | null = null;
  private client: WorkerClient | null = null;
  private loopDone: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private cancelNotices: Subscription | null = null;

  constructor(private readonly options: OrchWorkerOptions) {
    this.workerId = options.workerId ?? defaultWorkerId();
    this.jobTypes = Object.keys(options.handlers);
    this.logger = options.logger ?? silentLogger;
    if (this.jobTypes.length === 0) throw new Error('OrchWorker needs at least one handler');
    if ((options.concurrency ?? 1) < 1) throw new Error('OrchWorker concurrency must be at least 1');
  }

  /** Jobs running now. */
  get inFlight(): number {
    return this.runs.size;
  }

  /** Connects (unless given a connection) and starts claiming. Resolves once the claim loop runs. */
  async start(): Promise<void> {
    if (this.loopDone) return;
    this.nc =
      this.options.nc ??
      (await connectWorkerNats(this.options.tenant, { ...this.options, name: `orch-worker:${this.workerId}` }));
    this.client = new WorkerClient({
      nc: this.nc,
      tenant: this.options.tenant,
      workerId: this.workerId,
      namespace: this.options.namespace ?? WORKER_DEFAULTS.namespace,
      project: this.options.project ?? WORKER_DEFAULTS.project,
    });
    // One subscription for the tenant's cancel notices rather than one per job: cancels are rare,
    // jobs are many, and a subscription per job would cost two protocol messages each.
    this.cancelNotices = this.nc.subscribe(this.client.names.cancel(this.options.tenant, '*'), {
      callback: (err, msg) => {
        if (err) this.logger.warn('cancel notices unavailable; heartbeats still carry cancels', { error: err.message });
        else this.onCancelNotice(msg.data);
      },
    });
    this.loopDone = this.claimLoop();
    this.logger.info('worker claiming', { workerId: this.workerId, tenant: this.options.tenant, jobTypes: this.jobTypes });
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then aborts the
   * rest (their signal's reason is a WorkerStoppingError; they are reported as
   * retryable failures) and closes the connection if the worker opened it.
   */
  stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(opts.graceMs ?? WORKER_DEFAULTS.stopGraceMs);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.wakeLoop?.();
    const deadline = Date.now() + graceMs;
    // The claim in flight (at most its long-poll) may still bring jobs; they are ours and run too.
    await within(this.loopDone ?? Promise.resolve(), deadline);
    await within(this.allRuns(), deadline);
    if (this.runs.size > 0) {
      const jobs = [...this.runs.values()].map((r) => r.run.allocation.jobId);
      this.logger.warn('grace period over; aborting running jobs', { workerId: this.workerId, jobs });
      for (const { run } of this.runs.values()) run.abort();
      await within(this.allRuns(), Date.now() + ABORT_SETTLE_MS);
    }
    this.cancelNotices?.unsubscribe();
    this.cancelNotices = null;
    if (!this.options.nc && this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
    this.logger.info('worker stopped', { workerId: this.workerId });
  }

  /** A cancel notice (`<ns>.cancel.<tenant>.<jobId>`, docs/protocol.md): aborts the job's run here, if any. */
  private onCancelNotice(raw: Uint8Array): void {
    let notice: Partial<CancelNotice>;
    try {
      notice = decodeEnvelope(raw).data as Partial<CancelNotice>;
    } catch (err) {
      this.logger.warn('ignored a malformed cancel notice', { error: (err as Error).message });
      return;
    }
    for (const { run } of this.runs.values()) {
      if (run.allocation.jobId === notice.jobId) run.cancel(`canceled by an operator: ${notice.reason ?? 'no reason given'}`);
    }
  }

  private allRuns(): Promise<unknown> {
    return Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  private async claimLoop(): Promise<void> {
    const client = this.client!;
    const concurrency = this.options.concurrency ?? WORKER_DEFAULTS.concurrency;
    let failures = 0;
    while (!this.stopping) {
      const free = concurrency - this.runs.size;
      if (free <= 0) {
        await this.pause(Number.POSITIVE_INFINITY);
        continue;
      }
      try {
        const { allocations } = await client.claim({
          jobTypes: this.jobTypes,
          max: Math.min(free, WorkerLimits.claimMaxBatch),
          waitMs: this.options.claimWaitMs ?? WORKER_DEFAULTS.claimWaitMs,
          leaseMs: this.options.leaseMs,
        });
        failures = 0;
        for (const a of allocations) this.launch(a);
      } catch (err) {
        if (this.stopping) break;
        failures++;
        this.reportError(err, { phase: 'claim' });
        await this.pause(retryDelayMs(failures, CLAIM_RETRY_BACKOFF));
      }
    }
  }

  private launch(allocation: Allocation): void {
    const handler =
      this.options.handlers[allocation.jobType] ??
      (() => {
        throw new Error(`no handler for job type ${allocation.jobType}`);
      });
    const run = new JobRun(this.client!, allocation, handler, {
      reportRetryMaxMs: this.options.reportRetryMaxMs ?? WORKER_DEFAULTS.reportRetryMaxMs,
      leaseMs: this.options.leaseMs,
      logger: this.logger,
      onError: (err, info) => this.reportError(err, info),
    });
    // Keyed by lease: a job re-leased to us while an abandoned run of it still winds down is a new run.
    const key = allocation.leaseId;
    const done = run.run().then((outcome) => {
      this.runs.delete(key);
      this.wakeLoop?.();
      try {
        this.options.onJobEnd?.(outcome);
      } catch (err) {
        this.logger.error('onJobEnd threw', { error: (err as Error)?.message });
      }
    });
    this.runs.set(key, { run, done });
  }

  /** Waits `ms`, or until a slot frees up or stop() begins. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => wake(), ms) : null;
      const wake = () => {
        if (timer) clearTimeout(timer);
        if (this.wakeLoop === wake) this.wakeLoop = null;
        resolve();
      };
      this.wakeLoop = wake;
    });
  }

  private reportError(err: unknown, info: ErrorInfo): void {
    if (this.options.onError) {
      try {
        this.options.onError(err, info);
      } catch {
        // An observer's own failure must not stop the worker.
      }
      return;
    }
    this.logger.warn(`${info.phase} failed`, { ...info, error: (err as Error)?.message ?? String(err), code: (err as { code?: string })?.code });
  }
}

/** Waits for `p`, but no later than `deadline` (epoch ms). */
async function within(p: Promise<unknown>, deadline: number): Promise<void> {
  const left = deadline - Date.now();
  if (left <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, left)))]);
  clearTimeout(timer);
}
