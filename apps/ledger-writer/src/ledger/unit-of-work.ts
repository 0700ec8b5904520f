import {
  Actor,
  AuditEntryView,
  DispatchMessage,
  EventType,
  JobEventData,
  JobSnapshot,
  LedgerEventView,
  OperatorContext,
  OrchNames,
} from '@orch/contracts';
import { chainHash } from '@orch/domain';
import type { ChainHead, DeadLetterReplay, DeadLetterRow, DeadLetterState, IdempotencyRecord, JobRow, LedgerEventRow, OutboxMessage } from '@orch/persistence';
import { idempotencyMapKey } from '@orch/persistence';
import { v7 as uuidv7 } from 'uuid';
import { ArtifactIndex } from './artifacts';
import { BackfillWork } from './backfill-work';
import { RunGraphs } from './run-graphs';

/** Context of the command being applied (from its envelope). */
export interface CommandContext {
  envelopeId: string;
  tenant: string;
  correlationId: string;
  actor: Actor;
  /** W3C trace headers of the command, carried onto the messages it causes. */
  traceHeaders: Record<string, string>;
}

/**
 * The in-memory working set of one group-commit transaction: preloaded (and
 * row-locked) jobs, locked chain heads, and everything to write at the end.
 * Command handlers check first and mutate after, so a refused command leaves
 * no trace here.
 */
export class UnitOfWork {
  readonly newJobs = new Map<string, JobRow>();
  readonly dirty = new Set<string>();
  readonly events: LedgerEventRow[] = [];
  readonly outbox: OutboxMessage[] = [];
  readonly idempotencyNew: IdempotencyRecord[] = [];
  readonly deadLetters: DeadLetterRow[] = [];
  readonly auditEntries: AuditEntryView[] = [];
  /** DAG runs: new runs to insert, and the preloaded graphs dependency resolution reads. */
  readonly runs = new RunGraphs();
  /** Backfills: created and changed ones, and what admission checks windows and pauses against. */
  readonly backfills = new BackfillWork();
  /** Artifacts recorded for the jobs `artifact` commands name (preloaded) and in this batch. */
  readonly artifacts = new ArtifactIndex();
  /** Dead letters replayed in this transaction (written after {@link deadLetters} are inserted). */
  readonly deadLetterReplays: DeadLetterReplay[] = [];
  /** Dead letters removed from the set in this transaction. */
  readonly deadLetterPurges: string[] = [];
  /** Preloaded (row-locked) dead letters of the jobs replay and purge commands name. */
  private readonly deadLetterRows = new Map<string, DeadLetterState>();

  constructor(
    readonly now: Date,
    readonly names: OrchNames,
    private readonly jobs: Map<string, JobRow>,
    private readonly heads: Map<string, ChainHead>,
    private readonly idempotency: Map<string, IdempotencyRecord>,
    /** Audit-log heads, locked for the tenants of commands that carry an operator. */
    private readonly auditHeads: Map<string, ChainHead> = new Map(),
  ) {}

  /** A job visible to `tenant` (another tenant's job is not found). */
  job(tenant: string, id: string): JobRow | undefined {
    const j = this.newJobs.get(id) ?? this.jobs.get(id);
    return j && j.tenant === tenant ? j : undefined;
  }

  findIdempotency(tenant: string, scope: string, key: string): IdempotencyRecord | undefined {
    return this.idempotency.get(idempotencyMapKey(tenant, scope, key));
  }

  /** Adds a new job (written whole at the end), with the idempotency record that created it, if any. */
  insertJob(job: JobRow, idem?: IdempotencyRecord): void {
    this.newJobs.set(job.id, job);
    if (idem) this.remember(idem);
  }

  /** Records a deduplicated command; later commands of this batch with the same key see it. */
  remember(idem: IdempotencyRecord): void {
    this.idempotency.set(idempotencyMapKey(idem.tenant, idem.scope, idem.key), idem);
    this.idempotencyNew.push(idem);
  }

  /**
   * Appends an entry to the tenant's audit chain (its own chain, apart from the
   * job events). `before`/`after` are normalised to plain JSON first, so the
   * hash covers exactly what jsonb stores and gives back.
   */
  appendAudit(tenant: string, init: AuditInit): AuditEntryView {
    const head = this.auditHeads.get(tenant);
    if (!head) throw new Error(`audit head for tenant ${tenant} was not locked`);
    const body = {
      tenant,
      seq: head.seq + 1,
      project: init.project ?? null,
      id: uuidv7(),
      occurredAt: this.now.toISOString(),
      actor: { subject: init.operator.subject, scopes: [...init.operator.scopes] },
      action: init.action,
      targetType: init.targetType,
      targetId: init.targetId,
      reason: init.operator.reason,
      ticket: init.operator.ticket ?? null,
      before: plainJson(init.before ?? null),
      after: plainJson(init.after ?? null),
    };
    const hash = chainHash(head.hash, body);
    const entry: AuditEntryView = { ...body, prevHash: head.hash, hash };
    head.seq = body.seq;
    head.hash = hash;
    this.auditEntries.push(entry);
    return entry;
  }

  /** Audit heads to write back. */
  changedAuditHeads(): ChainHead[] {
    const tenants = new Set(this.auditEntries.map((e) => e.tenant));
    return [...tenants].map((t) => this.auditHeads.get(t)!);
  }

  /** Marks a preloaded job as changed (new jobs are written whole anyway). */
  touch(job: JobRow): void {
    job.updatedAt = this.now;
    if (!this.newJobs.has(job.id)) this.dirty.add(job.id);
  }

  /**
   * Appends a ledger event to the tenant's chain and queues its publication on
   * `orch.evt.<tenant>.<jobType>.<event>` (message id = event id).
   */
  emit(job: JobRow, eventType: EventType, ctx: CommandContext, data: Record<string, unknown>): LedgerEventView {
    const head = this.heads.get(job.tenant);
    if (!head) throw new Error(`chain head for tenant ${job.tenant} was not locked`);
    const body = {
      tenant: job.tenant,
      seq: head.seq + 1,
      project: job.project,
      id: uuidv7(),
      jobId: job.id,
      eventType,
      attempt: job.attempt,
      occurredAt: this.now.toISOString(),
      actor: ctx.actor,
      data,
    };
    const hash = chainHash(head.hash, body);
    const row: LedgerEventRow = { ...body, prevHash: head.hash, hash };
    head.seq = body.seq;
    head.hash = hash;
    this.events.push(row);
    const eventData: JobEventData = { event: row, job: snapshot(job) };
    this.outbox.push({
      subject: this.names.evt(job.tenant, job.jobType, eventType),
      msgId: row.id,
      body: {
        v: 1,
        id: row.id,
        type: eventType,
        ts: row.occurredAt,
        tenant: job.tenant,
        project: job.project,
        correlationId: job.correlationId,
        causationId: ctx.envelopeId,
        jobType: job.jobType,
        ...(job.workerId ? { taskRunnerId: job.workerId } : {}),
        data: eventData,
      },
      headers: ctx.traceHeaders,
    });
    return row;
  }

  /** Queues the dispatch message of the job's current attempt. */
  dispatch(job: JobRow, ctx: CommandContext): void {
    const data: DispatchMessage = {
      jobId: job.id,
      attempt: job.attempt,
      tenant: job.tenant,
      project: job.project,
      jobType: job.jobType,
      priority: job.priority,
    };
    this.outbox.push({
      subject: this.names.dispatch(job.tenant, job.jobType),
      msgId: `dispatch-${job.id}-${job.attempt}`,
      body: {
        v: 1,
        id: uuidv7(),
        type: 'job.dispatch',
        ts: this.now.toISOString(),
        tenant: job.tenant,
        project: job.project,
        correlationId: job.correlationId,
        causationId: ctx.envelopeId,
        jobType: job.jobType,
        data,
      },
      headers: ctx.traceHeaders,
    });
  }

  deadLetter(job: JobRow, reason: string): void {
    const err = job.lastError as { code?: string; message?: string } | null;
    this.deadLetters.push({
      jobId: job.id,
      tenant: job.tenant,
      project: job.project,
      jobType: job.jobType,
      attempt: job.attempt,
      reason,
      errorCode: err?.code ?? null,
      errorMessage: err?.message ?? null,
      deadLetteredAt: this.now.toISOString(),
    });
  }

  /** Adds preloaded, locked dead-letter rows (see {@link deadLetterOf}). */
  loadDeadLetters(rows: Iterable<DeadLetterState>): void {
    for (const r of rows) this.deadLetterRows.set(r.jobId, r);
  }

  /**
   * The tenant's dead letter of job `id` as this transaction sees it: preloaded, or added by an
   * earlier command of the batch; undefined when it is not in the set (or was purged here).
   */
  deadLetterOf(tenant: string, id: string): DeadLetterState | undefined {
    if (this.deadLetterPurges.includes(id)) return undefined;
    const row = this.deadLetterRows.get(id);
    if (row) return row.tenant === tenant ? row : undefined;
    const added = this.deadLetters.find((d) => d.jobId === id && d.tenant === tenant);
    if (!added) return undefined;
    const state: DeadLetterState = { ...added, replayedAs: null, replayedAt: null };
    this.deadLetterRows.set(id, state);
    return state;
  }

  /** Records that dead letter `jobId` was replayed as `replayedAs` (a later bulk replay skips it). */
  markDeadLetterReplayed(jobId: string, replayedAs: string): void {
    const at = this.now.toISOString();
    const row = this.deadLetterRows.get(jobId);
    if (row) Object.assign(row, { replayedAs, replayedAt: at });
    this.deadLetterReplays.push({ jobId, replayedAs, replayedAt: at });
  }

  /** Removes dead letter `jobId` from the set. */
  purgeDeadLetter(jobId: string): void {
    this.deadLetterPurges.push(jobId);
  }

  /** Chain heads to write back. */
  changedHeads(): ChainHead[] {
    const tenants = new Set(this.events.map((e) => e.tenant));
    return [...tenants].map((t) => this.heads.get(t)!);
  }

  dirtyJobs(): JobRow[] {
    return [...this.dirty].map((id) => this.jobs.get(id)!);
  }
}

/** What an audit entry records; the rest (seq, id, time, hashes) the unit of work fills in. */
export interface AuditInit {
  project?: string | null;
  action: string;
  targetType: string;
  targetId: string;
  operator: OperatorContext;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** A JSON value as JSON.stringify/parse gives it back (undefined fields dropped, dates as strings). */
function plainJson(value: Record<string, unknown> | null): Record<string, unknown> | null {
  return value === null ? null : (JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}

/** The job fields carried with every event. */
export function snapshot(job: JobRow): JobSnapshot {
  return {
    id: job.id,
    type: job.jobType,
    source: job.source,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    leaseId: job.leaseId,
    taskRunnerId: job.workerId,
    runId: job.runId,
    reason: job.statusReason,
    payloadDigest: job.payloadDigest,
    createdAt: job.createdAt.toISOString(),
    eligibleAt: job.eligibleAt ? job.eligibleAt.toISOString() : null,
  };
}
