import type { AuditEntryView, JobView, LedgerEventView } from '@orch/contracts';
import { JobRow, jobFromDb } from './job-row';
import type { Queryable } from './ledger.repository';
import { ScheduleRow, ScheduleStore } from './schedule-store';

/** A job the scheduler may admit. */
export interface AdmittableJob {
  id: string;
  tenant: string;
  project: string;
  jobType: string;
  source: string | null;
  /** `queued`, or `throttled` whose next eligible time came (or that waits for a slot). */
  status: 'queued' | 'throttled';
  attempt: number;
  priority: number;
  createdAt: Date;
}

/** A pending job whose runAt has come; the tenant addresses its `promote` command. */
export interface DuePendingJob {
  id: string;
  tenant: string;
}

/** An expired lease the reaper must expire. */
export interface ExpiredLease {
  id: string;
  tenant: string;
  project: string;
  /** The job's correlation id, so the expiry is traced with the rest of the job. */
  correlationId: string;
  fencingToken: number;
}

/**
 * Read-only queries over the ledger schema (api, scheduler, lease-broker).
 * Every job/event read by a caller on behalf of a tenant takes that tenant, so
 * another tenant's rows are simply not found.
 */
export class LedgerReader {
  private readonly schedules = new ScheduleStore();

  /** Unpaused schedules whose next fire time has come (the scheduler's cron tick). */
  findDueSchedules(q: Queryable, now: Date, limit: number): Promise<ScheduleRow[]> {
    return this.schedules.findDue(q, now, limit);
  }

  /** The tenant's schedule, or null (another tenant's is not found). */
  getSchedule(q: Queryable, tenant: string, id: string): Promise<ScheduleRow | null> {
    return this.schedules.get(q, tenant, id);
  }

  async getJob(q: Queryable, tenant: string, id: string): Promise<JobRow | null> {
    const rows: Record<string, unknown>[] = await q.query(`SELECT * FROM ledger.jobs WHERE id = $1 AND tenant = $2`, [id, tenant]);
    return rows.length ? jobFromDb(rows[0]) : null;
  }

  /** The job's ledger events in chain order. */
  async listJobEvents(q: Queryable, tenant: string, jobId: string): Promise<LedgerEventView[]> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.job_events WHERE job_id = $1 AND tenant = $2 ORDER BY seq`,
      [jobId, tenant],
    );
    return rows.map(eventFromDb);
  }

  /** A tenant's chain from `afterSeq` (exclusive), for verification and export. */
  async listTenantEvents(q: Queryable, tenant: string, afterSeq: number, limit: number): Promise<LedgerEventView[]> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.job_events WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [tenant, afterSeq, limit],
    );
    return rows.map(eventFromDb);
  }

  /** Queued, due and not yet admitted for their current attempt; best first. */
  async findAdmittable(q: Queryable, now: Date, limit: number, perKey: number = limit): Promise<AdmittableJob[]> {
    // Round robin over (tenant, jobType): every key's best job first, then every key's second, …,
    // so one key's backlog never fills the batch while another key waits (served by jobs_admission_idx).
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT id, tenant, project, job_type, source, status, attempt, priority, created_at FROM (
         SELECT id, tenant, project, job_type, source, status, attempt, priority, created_at,
                row_number() OVER (PARTITION BY tenant, job_type ORDER BY priority DESC, created_at, id) AS rn
         FROM ledger.jobs
         WHERE status IN ('queued', 'throttled') AND (eligible_at IS NULL OR eligible_at <= $1)
           AND admitted_attempt IS DISTINCT FROM attempt
           -- A paused backfill's jobs already held for it are not offered again until it resumes.
           AND NOT (backfill_id IS NOT NULL AND status = 'throttled' AND throttle->>'code' = 'backfill_paused'
                    AND EXISTS (SELECT 1 FROM ledger.backfills b WHERE b.id = backfill_id AND b.state = 'paused'))
       ) c
       WHERE rn <= $3
       ORDER BY rn, priority DESC, created_at, id
       LIMIT $2`,
      [now.toISOString(), limit, perKey],
    );
    return rows.map((r) => ({
      id: r['id'] as string,
      tenant: r['tenant'] as string,
      project: r['project'] as string,
      jobType: r['job_type'] as string,
      source: (r['source'] as string | null) ?? null,
      status: r['status'] as 'queued' | 'throttled',
      attempt: Number(r['attempt']),
      priority: Number(r['priority']),
      createdAt: new Date(r['created_at'] as string),
    }));
  }

  /**
   * Pending jobs whose runAt has come, earliest first (served by `jobs_pending_idx`). A DAG run's job
   * still waiting for its parents (`waiting_parents`) is not due, whatever its runAt (docs/runs.md).
   */
  async findDuePending(q: Queryable, now: Date, limit: number): Promise<DuePendingJob[]> {
    const rows: { id: string; tenant: string }[] = await q.query(
      `SELECT id, tenant FROM ledger.jobs WHERE status = 'pending' AND run_at <= $1
         AND status_reason IS DISTINCT FROM 'waiting_parents' ORDER BY run_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => ({ id: r.id, tenant: r.tenant }));
  }

  /** The earliest future time something becomes due (queued backoff or pending runAt), if any. */
  async nextDueAt(q: Queryable, now: Date): Promise<Date | null> {
    const rows: { at: string | null }[] = await q.query(
      `SELECT LEAST(
         (SELECT min(eligible_at) FROM ledger.jobs WHERE status IN ('queued', 'throttled') AND eligible_at > $1 AND admitted_attempt IS DISTINCT FROM attempt),
         (SELECT min(run_at) FROM ledger.jobs WHERE status = 'pending' AND run_at > $1 AND status_reason IS DISTINCT FROM 'waiting_parents')) AS at`,
      [now.toISOString()],
    );
    return rows[0]?.at ? new Date(rows[0].at) : null;
  }

  /** Leases past their expiry. */
  async findExpiredLeases(q: Queryable, now: Date, limit: number): Promise<ExpiredLease[]> {
    const rows: { id: string; tenant: string; project: string; correlation_id: string; fencing_token: string }[] = await q.query(
      `SELECT id, tenant, project, correlation_id, fencing_token FROM ledger.jobs
       WHERE status IN ('leased','running') AND lease_expires_at <= $1
       ORDER BY lease_expires_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      project: r.project,
      correlationId: r.correlation_id,
      fencingToken: Number(r.fencing_token),
    }));
  }

  /**
   * One page of a tenant's jobs, newest first in a stable order (`created_at DESC, id DESC`;
   * the id breaks ties between jobs of one group commit), optionally filtered by status,
   * job type, project and creation time (`createdFrom` inclusive, `createdBefore` exclusive). Keyset pagination: `after` is the key of the previous page's last
   * job (exclusive), so concurrent inserts never shift a page. Reads one row past `limit`
   * to tell whether another page exists; `next` is the key to continue from, or null.
   */
  async listJobs(q: Queryable, params: JobListQuery): Promise<JobListPage> {
    const args: unknown[] = [params.tenant];
    const where = ['tenant = $1'];
    const filter = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    filter('status', params.status);
    filter('job_type', params.jobType);
    filter('project', params.project);
    createdRange(params, args, where);
    if (params.after) {
      args.push(params.after.createdAt, params.after.id);
      where.push(`(created_at, id) < ($${args.length - 1}::timestamptz, $${args.length}::uuid)`);
    }
    args.push(params.limit + 1);
    // The key's timestamp is rendered at full (microsecond) precision so the next page starts exactly after it.
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS page_key_created_at
       FROM ledger.jobs WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    const page = rows.slice(0, params.limit);
    const last = page[page.length - 1];
    const next = rows.length > params.limit && last ? { createdAt: last['page_key_created_at'] as string, id: last['id'] as string } : null;
    return { jobs: page.map(jobFromDb), next };
  }

  /**
   * How many of a tenant's jobs are in each (status, job type), optionally only
   * one project's and those created in [`createdFrom`, `createdBefore`). One
   * aggregate over the tenant's rows (`jobs_tenant_created_idx` narrows a time
   * range); groups that would count 0 are absent.
   */
  async countJobs(q: Queryable, params: JobCountQuery): Promise<JobCountRow[]> {
    const args: unknown[] = [params.tenant];
    const where = ['tenant = $1'];
    if (params.project !== undefined) {
      args.push(params.project);
      where.push(`project = $${args.length}`);
    }
    createdRange(params, args, where);
    const rows: { status: string; job_type: string; n: string | number }[] = await q.query(
      `SELECT status, job_type, count(*) AS n FROM ledger.jobs WHERE ${where.join(' AND ')} GROUP BY status, job_type ORDER BY job_type, status`,
      args,
    );
    return rows.map((r) => ({ status: r.status, jobType: r.job_type, count: Number(r.n) }));
  }

  /**
   * One page of a tenant's audit log, newest first (`seq DESC`), optionally
   * filtered by action, target and time (`from` inclusive, `to` exclusive, on
   * `occurred_at`). Keyset pagination on the tenant's chain sequence: `after` is
   * the seq of the previous page's last entry (exclusive); `next` is the seq to
   * continue from, or null on the last page.
   */
  async listAudit(q: Queryable, params: AuditListQuery): Promise<AuditListPage> {
    const args: unknown[] = [params.tenant];
    const where = ['tenant = $1'];
    const add = (sql: (n: number) => string, value: unknown) => {
      if (value === undefined) return;
      args.push(value instanceof Date ? value.toISOString() : value);
      where.push(sql(args.length));
    };
    add((n) => `action = $${n}`, params.action);
    add((n) => `target_type = $${n}`, params.targetType);
    add((n) => `target_id = $${n}`, params.targetId);
    add((n) => `project = $${n}`, params.project);
    add((n) => `occurred_at >= $${n}::timestamptz`, params.from);
    add((n) => `occurred_at < $${n}::timestamptz`, params.to);
    add((n) => `seq < $${n}`, params.after);
    args.push(params.pageSize + 1);
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${args.length}`,
      args,
    );
    const entries = rows.slice(0, params.pageSize).map(auditFromDb);
    const next = rows.length > params.pageSize && entries.length > 0 ? entries[entries.length - 1].seq : null;
    return { entries, next };
  }

  /**
   * A tenant's audit chain in seq order from `afterSeq` (exclusive), for
   * verification (`verifyChain`) and export. Page through it by passing the
   * last seq returned.
   */
  async listTenantAudit(q: Queryable, tenant: string, afterSeq: number, limit: number): Promise<AuditEntryView[]> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.audit_log WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [tenant, afterSeq, limit],
    );
    return rows.map(auditFromDb);
  }

  /**
   * The stored head of a tenant's audit chain (null before its first entry).
   * A verified chain must end exactly here: a removed tail shows as a head the
   * entries do not reach.
   */
  async auditHead(q: Queryable, tenant: string): Promise<{ seq: number; hash: string } | null> {
    const rows: { seq: string; hash: string }[] = await q.query(`SELECT seq, hash FROM ledger.audit_heads WHERE tenant = $1`, [tenant]);
    return rows.length ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
  }
}

/** Adds the `created_at` bounds of a query (inclusive from, exclusive before) to `where`. */
function createdRange(params: { createdFrom?: Date | string; createdBefore?: Date | string }, args: unknown[], where: string[]): void {
  const iso = (v: Date | string) => (v instanceof Date ? v.toISOString() : v);
  if (params.createdFrom !== undefined) {
    args.push(iso(params.createdFrom));
    where.push(`created_at >= $${args.length}::timestamptz`);
  }
  if (params.createdBefore !== undefined) {
    args.push(iso(params.createdBefore));
    where.push(`created_at < $${args.length}::timestamptz`);
  }
}

/** Parameters of {@link LedgerReader.countJobs}. */
export interface JobCountQuery {
  tenant: string;
  project?: string;
  /** Jobs created at or after this time. */
  createdFrom?: Date | string;
  /** Jobs created before this time. */
  createdBefore?: Date | string;
}

/** The number of a tenant's jobs in one (status, job type). */
export interface JobCountRow {
  status: string;
  jobType: string;
  count: number;
}

/** An `audit_log` row to its view; exactly the fields (and JSON values) that were hashed. */
export function auditFromDb(r: Record<string, unknown>): AuditEntryView {
  return {
    tenant: r['tenant'] as string,
    seq: Number(r['seq']),
    project: (r['project'] as string | null) ?? null,
    id: r['id'] as string,
    occurredAt: new Date(r['occurred_at'] as string).toISOString(),
    actor: r['actor'] as AuditEntryView['actor'],
    action: r['action'] as string,
    targetType: r['target_type'] as string,
    targetId: r['target_id'] as string,
    reason: r['reason'] as string,
    ticket: (r['ticket'] as string | null) ?? null,
    before: (r['before'] as Record<string, unknown> | null) ?? null,
    after: (r['after'] as Record<string, unknown> | null) ?? null,
    prevHash: r['prev_hash'] as string,
    hash: r['hash'] as string,
  };
}

/** Parameters of {@link LedgerReader.listAudit}; filters are exact matches. */
export interface AuditListQuery {
  tenant: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  project?: string;
  /** Entries at or after this time. */
  from?: Date | string;
  /** Entries before this time. */
  to?: Date | string;
  pageSize: number;
  /** Seq of the last entry of the previous page (exclusive). */
  after?: number;
}

/** A page of audit entries and the seq to continue from (null on the last page). */
export interface AuditListPage {
  entries: AuditEntryView[];
  next: number | null;
}

/** A `job_events` row to its API view. */
export function eventFromDb(r: Record<string, unknown>): LedgerEventView {
  return {
    id: r['id'] as string,
    tenant: r['tenant'] as string,
    seq: Number(r['seq']),
    project: r['project'] as string,
    jobId: r['job_id'] as string,
    eventType: r['event_type'] as string,
    attempt: Number(r['attempt']),
    occurredAt: new Date(r['occurred_at'] as string).toISOString(),
    actor: r['actor'] as LedgerEventView['actor'],
    data: r['data'] as Record<string, unknown>,
    prevHash: r['prev_hash'] as string,
    hash: r['hash'] as string,
  };
}

/** A job row to its API view. */
export function toJobView(j: JobRow): JobView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: j.id,
    tenant: j.tenant,
    project: j.project,
    jobType: j.jobType,
    source: j.source ?? null,
    status: j.status,
    statusReason: j.statusReason,
    throttle: j.status === 'throttled' ? (j.throttle ?? null) : null,
    priority: j.priority,
    payload: j.payload,
    payloadDigest: j.payloadDigest,
    result: j.result ?? null,
    lastError: (j.lastError as JobView['lastError']) ?? null,
    attempt: j.attempt,
    maxAttempts: j.maxAttempts,
    runAt: iso(j.runAt),
    eligibleAt: iso(j.eligibleAt),
    lease:
      j.leaseId && (j.status === 'leased' || j.status === 'running')
        ? { leaseId: j.leaseId, fencingToken: j.fencingToken, expiresAt: iso(j.leaseExpiresAt) ?? '', workerId: j.workerId ?? '' }
        : null,
    progress:
      j.progressPercent !== null || j.progressMessage !== null
        ? { percent: j.progressPercent, message: j.progressMessage }
        : null,
    cancel: j.cancelRequestedAt ? { requestedAt: j.cancelRequestedAt.toISOString(), reason: j.cancelReason ?? '', deadline: iso(j.cancelDeadline) } : null,
    correlationId: j.correlationId,
    idempotencyKey: j.idempotencyKey,
    deadlineAt: iso(j.deadlineAt ?? null),
    runId: j.runId ?? null,
    replayOf: j.replayOf ?? null,
    window: j.windowFrom && j.windowTo ? { from: j.windowFrom.toISOString(), to: j.windowTo.toISOString() } : null,
    backfillId: j.backfillId ?? null,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  };
}

/** Position in a tenant's job list: the key of the last job already returned. */
export interface JobListKey {
  /** `created_at` as ISO-8601 UTC with microseconds. */
  createdAt: string;
  id: string;
}

/** Parameters of {@link LedgerReader.listJobs}; filters are exact matches. */
export interface JobListQuery {
  tenant: string;
  status?: string;
  jobType?: string;
  project?: string;
  /** Jobs created at or after this time. */
  createdFrom?: Date | string;
  /** Jobs created before this time. */
  createdBefore?: Date | string;
  after?: JobListKey;
  limit: number;
}

/** A page of jobs and the key to continue from (null on the last page). */
export interface JobListPage {
  jobs: JobRow[];
  next: JobListKey | null;
}
