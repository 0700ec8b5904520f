import { Logger } from '@nestjs/common';
import {
  AdmitCommand,
  AppendAuditCommand,
  ArtifactRequest,
  CancelJobCommand,
  CancelRunCommand,
  CompleteRequest,
  ControlBackfillCommand,
  CreateBackfillCommand,
  Envelope,
  ExpireCommand,
  FailRequest,
  FencedRequest,
  HeartbeatRequest,
  LeaseCommand,
  LedgerVerb,
  isTerminal,
  OrchError,
  OrchNames,
  ProgressRequest,
  PromoteCommand,
  PurgeDeadLettersCommand,
  ReplayJobsCommand,
  SubmitBatchCommand,
  SubmitJobCommand,
  SubmitRunCommand,
  ThrottleCommand,
} from '@orch/contracts';
import { BackfillStore, DeadLetterStore, LedgerRepository, RunStore } from '@orch/persistence';
import type { JobRow } from '@orch/persistence';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  LedgerPolicy,
  applyAdmit,
  applyAudit,
  applyCancel,
  applyComplete,
  applyExpire,
  applyFail,
  applyHeartbeat,
  applyLease,
  applyProgress,
  applyPromote,
  applyStart,
  applySubmit,
  applySubmitBatch,
  applySubmitRun,
  applyThrottle,
} from './commands';
import { recordedJobIds } from './command-support';
import { applyCancelRun } from './cancel';
import { applyPurgeDeadLetters, applyReplay } from './replay';
import { applyControlBackfill, applyCreateBackfill } from './backfills';
import { preloadBackfillFacts, saveBackfills } from './backfill-preload';
import { applyArtifact, preloadArtifacts } from './artifacts';
import { CommandContext, UnitOfWork } from './unit-of-work';

/** One command waiting for the next group commit. */
interface PendingCommand {
  verb: LedgerVerb;
  envelope: Envelope<unknown>;
  traceHeaders: Record<string, string>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Group-commit settings. */
export interface GroupCommitOptions {
  /** Most commands per transaction. */
  maxBatch: number;
  /** How long the first command of a batch may wait for company (0 = next tick). */
  maxWaitMs: number;
}

/** Counters for metrics and benchmarks. */
export interface GroupCommitStats {
  batches: number;
  commands: number;
  fallbacks: number;
}

/**
 * Applies ledger commands in group commits: every command that arrives while a
 * transaction is running joins the next one, so a busy ledger-writer does one
 * transaction (about a dozen statements) per batch instead of per command.
 * Commands are independent inside a batch: one refused command (an OrchError)
 * fails alone; an unexpected error rolls the batch back and replays its
 * commands one by one so only the culprit fails. Replies go out after commit.
 */
export class GroupCommitter {
  private readonly queue: PendingCommand[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private idle: (() => void)[] = [];
  private readonly logger = new Logger('GroupCommitter');
  private readonly runStore = new RunStore();
  private readonly deadLetterStore = new DeadLetterStore();
  private readonly backfillStore = new BackfillStore();
  readonly stats: GroupCommitStats = { batches: 0, commands: 0, fallbacks: 0 };

  constructor(
    private readonly ds: DataSource,
    private readonly repo: LedgerRepository,
    private readonly names: OrchNames,
    private readonly policy: LedgerPolicy,
    private readonly options: GroupCommitOptions,
    private readonly onCommitted: () => void,
  ) {}

  /** Queues a command; resolves with its result after the commit that contains it. */
  execute<T>(verb: LedgerVerb, envelope: Envelope<unknown>, traceHeaders: Record<string, string> = {}): Promise<T> {
    if (this.stopped) return Promise.reject(new OrchError('unavailable', 'ledger-writer is shutting down', { retryable: true }));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ verb, envelope, traceHeaders, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new commands and resolves once everything queued is committed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) {
      this.timer = setImmediate(() => this.flush()) as unknown as NodeJS.Timeout;
    } else {
      this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    }
  }

  private async flush(): Promise<void> {
    this.timer = null;
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        await this.runWithFallback(batch);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
      else for (const r of this.idle.splice(0)) r();
    }
  }

  private async runWithFallback(batch: PendingCommand[]): Promise<void> {
    try {
      await this.runBatch(batch);
    } catch (err) {
      if (batch.length === 1) {
        this.logger.error(`ledger command ${batch[0].verb} failed: ${(err as Error)?.stack ?? String(err)}`);
        batch[0].reject(
          err instanceof OrchError ? err : new OrchError('unavailable', `ledger write failed: ${(err as Error)?.message}`, { cause: err, retryable: true }),
        );
        return;
      }
      this.stats.fallbacks += 1;
      this.logger.warn(`batch of ${batch.length} failed (${(err as Error)?.message}); replaying one by one`);
      for (const item of batch) await this.runWithFallback([item]);
    }
  }

  private async runBatch(batch: PendingCommand[]): Promise<void> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await qr.startTransaction('READ COMMITTED');
      // Event heads, then audit heads, each in tenant order: writers never wait on each other in a cycle.
      const heads = await this.repo.lockChainHeads(qr, batch.map((c) => c.envelope.tenant));
      const auditHeads = await this.repo.lockAuditHeads(qr, batch.filter((c) => hasOperator(c.envelope.data)).map((c) => c.envelope.tenant));
      const keys = batch.flatMap((c) => {
        const ref = idempotencyOf(c.verb, c.envelope.data);
        return ref ? [{ tenant: c.envelope.tenant, ...ref }] : [];
      });
      const idem = await this.repo.findIdempotencyKeys(qr, keys);
      const ids = new Set<string>([...idem.values()].flatMap(recordedJobIds));
      for (const c of batch) for (const id of jobIdsOf(c.verb, c.envelope.data)) ids.add(id);
      // A run cancel names a run: its jobs are read (and locked below with the others) here.
      const runJobs = new Map<PendingCommand, string[]>();
      for (const c of batch) {
        if (c.verb !== 'cancel-run' && !(c.verb === 'control-backfill' && (c.envelope.data as ControlBackfillCommand).action === 'cancel')) continue;
        const runJobIds =
          c.verb === 'cancel-run'
            ? await this.runStore.runJobIds(qr, c.envelope.tenant, (c.envelope.data as CancelRunCommand).runId.toLowerCase())
            : await this.backfillStore.jobIds(qr, c.envelope.tenant, (c.envelope.data as ControlBackfillCommand).backfillId.toLowerCase());
        runJobs.set(c, runJobIds);
        for (const id of runJobIds) ids.add(id);
      }
      const jobs = await this.repo.loadJobs(qr, [...ids], true);
      const uow = new UnitOfWork(new Date(), this.names, jobs, heads, idem, auditHeads);
      await this.preloadRuns(qr, batch, jobs, uow);
      await preloadBackfillFacts(qr, this.backfillStore, batch, jobs, uow);
      const deadLetterIds = batch.flatMap((c) => (c.verb === 'replay' || c.verb === 'purge-dead-letters' ? (c.envelope.data as { jobIds: string[] }).jobIds : []));
      if (deadLetterIds.length > 0) uow.loadDeadLetters((await this.deadLetterStore.lockForUpdate(qr, { jobIds: deadLetterIds.map((id) => id.toLowerCase()) })).values());
      await preloadArtifacts(qr, batch, uow);
      for (const c of batch) {
        try {
          outcomes.push({ ok: true, value: this.apply(uow, c, runJobs.get(c) ?? []) });
        } catch (err) {
          if (!(err instanceof OrchError)) throw err;
          outcomes.push({ ok: false, error: err });
        }
      }
      await this.runStore.insertRuns(qr, uow.runs.newRuns);
      await this.repo.insertJobs(qr, [...uow.newJobs.values()]);
      await this.runStore.insertEdges(qr, uow.runs.newEdges);
      await this.repo.insertIdempotencyKeys(qr, uow.idempotencyNew, uow.now);
      await this.repo.updateJobs(qr, uow.dirtyJobs());
      await saveBackfills(qr, this.backfillStore, uow);
      await this.repo.appendEvents(qr, uow.events);
      await this.repo.insertDeadLetters(qr, uow.deadLetters);
      await this.deadLetterStore.markReplayed(qr, uow.deadLetterReplays);
      await this.deadLetterStore.purge(qr, uow.deadLetterPurges);
      await this.repo.enqueueOutbox(qr, uow.outbox);
      await this.repo.saveChainHeads(qr, uow.changedHeads());
      await this.repo.appendAudit(qr, uow.auditEntries);
      await this.repo.saveChainHeads(qr, uow.changedAuditHeads(), 'audit');
      await qr.commitTransaction();
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
    this.stats.batches += 1;
    this.stats.commands += batch.length;
    batch.forEach((c, i) => {
      const o = outcomes[i];
      if (o.ok) c.resolve(o.value);
      else c.reject(o.error);
    });
    this.onCommitted();
  }

  /**
   * For every job of a DAG run that a command may end (complete, fail, expire,
   * cancel), loads the run's policy and the part of its graph the change can
   * affect, and loads and row-locks those jobs too, so dependency resolution
   * happens in this transaction. Jobs of one run share a tenant, whose chain
   * head this transaction already holds: no two writers lock them in a cycle.
   */
  private async preloadRuns(qr: QueryRunner, batch: PendingCommand[], jobs: Map<string, JobRow>, uow: UnitOfWork): Promise<void> {
    const seeds: string[] = [];
    const mayFail: string[] = [];
    for (const c of batch) {
      if (!ENDING_VERBS.has(c.verb)) continue;
      for (const id of jobIdsOf(c.verb, c.envelope.data)) {
        const job = jobs.get(id);
        if (!job?.runId || isTerminal(job.status)) continue;
        seeds.push(id);
        if (c.verb !== 'complete') mayFail.push(id);
      }
    }
    if (seeds.length === 0) return;
    const runIds = seeds.map((id) => jobs.get(id)!.runId!);
    const [runs, edges] = await Promise.all([this.runStore.loadRuns(qr, runIds), this.runStore.neighbourhood(qr, seeds, mayFail)]);
    uow.runs.load(runs.values(), edges);
    const missing = uow.runs.jobIds().filter((id) => !jobs.has(id));
    for (const [id, row] of await this.repo.loadJobs(qr, missing, true)) jobs.set(id, row);
  }

  private apply(uow: UnitOfWork, c: PendingCommand, runJobIds: readonly string[]): unknown {
    const env = c.envelope;
    const ctx: CommandContext = {
      envelopeId: env.id,
      tenant: env.tenant,
      correlationId: env.correlationId,
      actor: actorOf(c.verb, env),
      traceHeaders: c.traceHeaders,
    };
    switch (c.verb) {
      case 'submit':
        return applySubmit(uow, ctx, env.data as SubmitJobCommand);
      case 'promote':
        return applyPromote(uow, ctx, env.data as PromoteCommand);
      case 'admit':
        return applyAdmit(uow, ctx, env.data as AdmitCommand);
      case 'lease':
        return applyLease(uow, ctx, env.data as LeaseCommand, this.policy);
      case 'start':
        return applyStart(uow, ctx, env.data as FencedRequest, this.policy);
      case 'heartbeat':
        return applyHeartbeat(uow, ctx, env.data as HeartbeatRequest);
      case 'progress':
        return applyProgress(uow, ctx, env.data as ProgressRequest);
      case 'complete':
        return applyComplete(uow, ctx, env.data as CompleteRequest);
      case 'fail':
        return applyFail(uow, ctx, env.data as FailRequest, this.policy);
      case 'expire':
        return applyExpire(uow, ctx, env.data as ExpireCommand, this.policy);
      case 'cancel':
        return applyCancel(uow, ctx, env.data as CancelJobCommand, this.policy);
      case 'submit-batch':
        return applySubmitBatch(uow, ctx, env.data as SubmitBatchCommand);
      case 'audit':
        return applyAudit(uow, ctx, env.data as AppendAuditCommand);
      case 'throttle':
        return applyThrottle(uow, ctx, env.data as ThrottleCommand);
      case 'submit-run':
        return applySubmitRun(uow, ctx, env.data as SubmitRunCommand);
      case 'replay':
        return applyReplay(uow, ctx, env.data as ReplayJobsCommand);
      case 'purge-dead-letters':
        return applyPurgeDeadLetters(uow, ctx, env.data as PurgeDeadLettersCommand);
      case 'artifact':
        return applyArtifact(uow, ctx, env.data as ArtifactRequest);
      case 'cancel-run':
        return applyCancelRun(uow, ctx, env.data as CancelRunCommand, this.policy, runJobIds);
      case 'create-backfill':
        return applyCreateBackfill(uow, ctx, env.data as CreateBackfillCommand);
      case 'control-backfill':
        return applyControlBackfill(uow, ctx, env.data as ControlBackfillCommand, this.policy, runJobIds);
    }
  }
}

/** Verbs that may end a job, and so resolve its run's dependants. */
const ENDING_VERBS: ReadonlySet<LedgerVerb> = new Set<LedgerVerb>(['complete', 'fail', 'expire', 'cancel']);

/** Job ids a command touches (preloaded and row-locked for the batch). */
function jobIdsOf(verb: LedgerVerb, data: unknown): string[] {
  switch (verb) {
    case 'submit':
    case 'submit-batch':
    case 'submit-run':
    case 'audit':
    case 'purge-dead-letters':
    case 'cancel-run':
    case 'create-backfill':
    case 'control-backfill':
      return [];
    case 'replay':
      return (data as ReplayJobsCommand).jobIds.map((id) => id.toLowerCase());
    case 'cancel':
      return [(data as CancelJobCommand).jobId];
    case 'lease':
    case 'admit':
    case 'throttle':
      return (data as AdmitCommand | ThrottleCommand).jobs.map((j) => j.jobId);
    case 'promote':
      return (data as PromoteCommand).jobIds;
    default:
      return [(data as FencedRequest).jobId];
  }
}

/** The idempotency key a command is deduplicated by, if any. */
function idempotencyOf(verb: LedgerVerb, data: unknown): { scope: string; key: string } | null {
  if (verb === 'submit' || verb === 'submit-batch' || verb === 'submit-run') {
    const cmd = data as SubmitJobCommand | SubmitBatchCommand | SubmitRunCommand;
    return { scope: cmd.scope, key: cmd.idempotencyKey };
  }
  const ref = (data as { idempotency?: { scope: string; key: string } }).idempotency;
  return ref ? { scope: ref.scope, key: ref.key } : null;
}

/** Operator commands write an audit entry, so their tenant's audit head is locked. */
function hasOperator(data: unknown): boolean {
  return (data as { operator?: unknown }).operator !== undefined;
}

/** Who an event is attributed to: the operator or worker who asked, the service otherwise. */
function actorOf(verb: LedgerVerb, env: Envelope<unknown>): { subject: string; scopes: string[] } {
  const data = env.data as { actor?: { subject: string; scopes: string[] }; operator?: { subject: string; scopes: string[] } };
  if (data.operator) return { subject: data.operator.subject, scopes: [...data.operator.scopes] };
  const actor = data.actor;
  if (actor) return actor;
  if (env.taskRunnerId) return { subject: `worker:${env.taskRunnerId}`, scopes: [] };
  switch (verb) {
    case 'submit':
    case 'submit-batch':
    case 'submit-run':
      return { subject: 'api', scopes: [] };
    case 'admit':
    case 'promote':
    case 'throttle':
      return { subject: 'system:scheduler', scopes: [] };
    case 'expire':
      return { subject: 'system:lease-broker', scopes: [] };
    default:
      return { subject: 'system:lease-broker', scopes: [] };
  }
}
