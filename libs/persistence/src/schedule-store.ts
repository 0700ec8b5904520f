import type { ScheduleMisfirePolicy, ScheduleView } from '@orch/contracts';
import type { Queryable } from './ledger.repository';

/** A `ledger.schedules` row as plain data (camelCase); what ledger-writer mutates in memory. */
export interface ScheduleRow {
  id: string;
  tenant: string;
  project: string;
  name: string;
  cron: string;
  timeZone: string;
  misfirePolicy: ScheduleMisfirePolicy;
  maxCatchUp: number;
  jobType: string;
  payload: Record<string, unknown>;
  priority: number | null;
  maxAttempts: number | null;
  source: string | null;
  paused: boolean;
  lastFireAt: Date | null;
  nextFireAt: Date | null;
  resumedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** Paging of {@link ScheduleStore.list}: newest first, by id (UUIDv7, so creation order). */
export interface ScheduleListQuery {
  tenant: string;
  pageSize: number;
  /** Exclusive: the last id of the previous page. */
  beforeId?: string;
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** Maps a `ledger.schedules` row. */
export function scheduleFromDb(r: Record<string, unknown>): ScheduleRow {
  return {
    id: r.id as string,
    tenant: r.tenant as string,
    project: r.project as string,
    name: r.name as string,
    cron: r.cron as string,
    timeZone: r.time_zone as string,
    misfirePolicy: r.misfire_policy as ScheduleMisfirePolicy,
    maxCatchUp: Number(r.max_catch_up),
    jobType: r.job_type as string,
    payload: r.payload as Record<string, unknown>,
    priority: r.priority === null ? null : Number(r.priority),
    maxAttempts: r.max_attempts === null ? null : Number(r.max_attempts),
    source: (r.source as string | null) ?? null,
    paused: r.paused as boolean,
    lastFireAt: date(r.last_fire_at),
    nextFireAt: date(r.next_fire_at),
    resumedAt: date(r.resumed_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
    version: Number(r.version),
  };
}

/** The wire view of a schedule. */
export function toScheduleView(s: ScheduleRow): ScheduleView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: s.id,
    tenant: s.tenant,
    project: s.project,
    name: s.name,
    cron: s.cron,
    timeZone: s.timeZone,
    misfirePolicy: s.misfirePolicy,
    maxCatchUp: s.maxCatchUp,
    job: { jobType: s.jobType, payload: s.payload, priority: s.priority, maxAttempts: s.maxAttempts, source: s.source },
    paused: s.paused,
    lastFireAt: iso(s.lastFireAt),
    nextFireAt: iso(s.nextFireAt),
    resumedAt: iso(s.resumedAt),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    version: s.version,
  };
}

const COLUMNS = [
  'id', 'tenant', 'project', 'name', 'cron', 'time_zone', 'misfire_policy', 'max_catch_up', 'job_type', 'payload', 'priority',
  'max_attempts', 'source', 'paused', 'last_fire_at', 'next_fire_at', 'resumed_at', 'created_at', 'updated_at', 'version',
] as const;

function values(s: ScheduleRow): unknown[] {
  return [
    s.id, s.tenant, s.project, s.name, s.cron, s.timeZone, s.misfirePolicy, s.maxCatchUp, s.jobType, JSON.stringify(s.payload), s.priority,
    s.maxAttempts, s.source, s.paused, s.lastFireAt, s.nextFireAt, s.resumedAt, s.createdAt, s.updatedAt, s.version,
  ];
}

/**
 * SQL over `ledger.schedules` and `ledger.schedule_fires`. Reads (get, list,
 * findDue) are safe on a read-only pool; the writes are ledger-writer's only.
 */
export class ScheduleStore {
  /** The tenant's schedule (another tenant's is not found); `forUpdate` row-locks it. */
  async get(q: Queryable, tenant: string, id: string, forUpdate = false): Promise<ScheduleRow | null> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.schedules WHERE id = $1 AND tenant = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, tenant],
    );
    return rows.length ? scheduleFromDb(rows[0]) : null;
  }

  /** One page of the tenant's schedules, newest first, plus one row to tell whether more follow. */
  async list(q: Queryable, query: ScheduleListQuery): Promise<{ items: ScheduleRow[]; more: boolean }> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.schedules WHERE tenant = $1 AND ($2::uuid IS NULL OR id < $2::uuid) ORDER BY id DESC LIMIT $3`,
      [query.tenant, query.beforeId ?? null, query.pageSize + 1],
    );
    const items = rows.map(scheduleFromDb);
    return { items: items.slice(0, query.pageSize), more: items.length > query.pageSize };
  }

  /** Unpaused schedules whose next slot has come, most overdue first. */
  async findDue(q: Queryable, now: Date, limit: number): Promise<ScheduleRow[]> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT * FROM ledger.schedules WHERE NOT paused AND next_fire_at <= $1 ORDER BY next_fire_at LIMIT $2`,
      [now, limit],
    );
    return rows.map(scheduleFromDb);
  }

  async insert(q: Queryable, s: ScheduleRow): Promise<void> {
    const params = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    await q.query(`INSERT INTO ledger.schedules (${COLUMNS.join(', ')}) VALUES (${params})`, values(s));
  }

  /** Writes every column of the row back (by id). */
  async update(q: Queryable, s: ScheduleRow): Promise<void> {
    const sets = COLUMNS.slice(1).map((c, i) => `${c} = $${i + 2}`).join(', ');
    await q.query(`UPDATE ledger.schedules SET ${sets} WHERE id = $1`, values(s));
  }

  /** Deletes the schedule; its fire records go with it. */
  async delete(q: Queryable, id: string): Promise<void> {
    await q.query(`DELETE FROM ledger.schedules WHERE id = $1`, [id]);
  }

  /** Which of these slots already fired. */
  async firedTimes(q: Queryable, scheduleId: string, times: Date[]): Promise<Set<number>> {
    if (times.length === 0) return new Set();
    const rows: { fire_time: Date }[] = await q.query(
      `SELECT fire_time FROM ledger.schedule_fires WHERE schedule_id = $1 AND fire_time = ANY($2::timestamptz[])`,
      [scheduleId, times.map((t) => t.toISOString())],
    );
    return new Set(rows.map((r) => new Date(r.fire_time).getTime()));
  }

  /**
   * Records fires. No ON CONFLICT: a slot recorded meanwhile is a unique
   * violation that rolls the whole transaction back, job included.
   */
  async insertFires(q: Queryable, scheduleId: string, fires: { fireTime: Date; jobId: string }[], now: Date): Promise<void> {
    if (fires.length === 0) return;
    await q.query(
      `INSERT INTO ledger.schedule_fires (schedule_id, fire_time, job_id, fired_at)
       SELECT $1, x.fire_time, x.job_id, $3 FROM jsonb_to_recordset($2::jsonb) AS x(fire_time timestamptz, job_id uuid)`,
      [scheduleId, JSON.stringify(fires.map((f) => ({ fire_time: f.fireTime.toISOString(), job_id: f.jobId }))), now],
    );
  }

  /** The newest fire record of a schedule, or null. */
  async lastFire(q: Queryable, scheduleId: string): Promise<{ fireTime: Date; jobId: string; firedAt: Date } | null> {
    const rows: { fire_time: Date; job_id: string; fired_at: Date }[] = await q.query(
      `SELECT fire_time, job_id, fired_at FROM ledger.schedule_fires WHERE schedule_id = $1 ORDER BY fire_time DESC LIMIT 1`,
      [scheduleId],
    );
    return rows.length ? { fireTime: new Date(rows[0].fire_time), jobId: rows[0].job_id, firedAt: new Date(rows[0].fired_at) } : null;
  }

  /** Fire records of a schedule, oldest first (tests and diagnostics). */
  async listFires(q: Queryable, scheduleId: string, limit = 1000): Promise<{ fireTime: Date; jobId: string }[]> {
    const rows: { fire_time: Date; job_id: string }[] = await q.query(
      `SELECT fire_time, job_id FROM ledger.schedule_fires WHERE schedule_id = $1 ORDER BY fire_time LIMIT $2`,
      [scheduleId, limit],
    );
    return rows.map((r) => ({ fireTime: new Date(r.fire_time), jobId: r.job_id }));
  }
}
