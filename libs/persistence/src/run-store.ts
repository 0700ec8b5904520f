import type { JobStatus, RunFailurePolicy, RunRecordView } from '@orch/contracts';
import { JobRow, jobFromDb } from './job-row';
import type { Queryable } from './ledger.repository';

/** A row of `ledger.runs`. `jobKeys`: every job's client key and id, in request order. */
export interface RunRow {
  id: string;
  tenant: string;
  project: string;
  failurePolicy: RunFailurePolicy;
  correlationId: string;
  idempotencyKey: string;
  jobCount: number;
  jobKeys: { key: string; jobId: string }[];
  /** The run this one replays, or null. */
  replayOf: string | null;
  createdAt: Date;
}

/** A row of `ledger.run_edges`: `parentId` must be resolved before `childId` may run. */
export interface RunEdgeRow {
  tenant: string;
  runId: string;
  parentId: string;
  childId: string;
}

/** The record part of a run as the API shows it. */
export function toRunRecordView(r: RunRow): RunRecordView {
  return {
    id: r.id,
    tenant: r.tenant,
    project: r.project,
    failurePolicy: r.failurePolicy,
    correlationId: r.correlationId,
    idempotencyKey: r.idempotencyKey,
    createdAt: r.createdAt.toISOString(),
    jobCount: r.jobCount,
    replayOf: r.replayOf,
  };
}

function runFromDb(r: Record<string, unknown>): RunRow {
  return {
    id: r['id'] as string,
    tenant: r['tenant'] as string,
    project: r['project'] as string,
    failurePolicy: r['failure_policy'] as RunFailurePolicy,
    correlationId: r['correlation_id'] as string,
    idempotencyKey: r['idempotency_key'] as string,
    jobCount: Number(r['job_count']),
    jobKeys: r['job_keys'] as RunRow['jobKeys'],
    replayOf: (r['replay_of'] as string | null) ?? null,
    createdAt: new Date(r['created_at'] as string),
  };
}

function edgeFromDb(r: Record<string, unknown>): RunEdgeRow {
  return { tenant: r['tenant'] as string, runId: r['run_id'] as string, parentId: r['parent_id'] as string, childId: r['child_id'] as string };
}

/**
 * SQL over `ledger.runs` and `ledger.run_edges`. The write methods are the
 * ledger-writer's (inside its group-commit transaction); the read methods
 * serve the api and explain, always scoped to a tenant.
 */
export class RunStore {
  /** Inserts new runs (before their edges: run_edges references runs). */
  async insertRuns(q: Queryable, runs: RunRow[]): Promise<void> {
    if (runs.length === 0) return;
    await q.query(
      `INSERT INTO ledger.runs (id, tenant, project, failure_policy, correlation_id, idempotency_key, job_count, job_keys, replay_of, created_at)
       SELECT x.id, x.tenant, x.project, x.failure_policy, x.correlation_id, x.idempotency_key, x.job_count, x.job_keys, x.replay_of, x.created_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant text, project text, failure_policy text, correlation_id text,
                                               idempotency_key text, job_count integer, job_keys jsonb, replay_of uuid, created_at timestamptz)`,
      [
        JSON.stringify(
          runs.map((r) => ({
            id: r.id,
            tenant: r.tenant,
            project: r.project,
            failure_policy: r.failurePolicy,
            correlation_id: r.correlationId,
            idempotency_key: r.idempotencyKey,
            job_count: r.jobCount,
            job_keys: r.jobKeys,
            replay_of: r.replayOf,
            created_at: r.createdAt.toISOString(),
          })),
        ),
      ],
    );
  }

  async insertEdges(q: Queryable, edges: RunEdgeRow[]): Promise<void> {
    if (edges.length === 0) return;
    await q.query(
      `INSERT INTO ledger.run_edges (tenant, run_id, parent_id, child_id)
       SELECT x.tenant, x.run_id, x.parent_id, x.child_id
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, run_id uuid, parent_id uuid, child_id uuid)`,
      [JSON.stringify(edges.map((e) => ({ tenant: e.tenant, run_id: e.runId, parent_id: e.parentId, child_id: e.childId })))],
    );
  }

  /** Runs by id (any tenant: the ids come from rows already scoped). */
  async loadRuns(q: Queryable, ids: string[]): Promise<Map<string, RunRow>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows: Record<string, unknown>[] = await q.query(`SELECT * FROM ledger.runs WHERE id = ANY($1::uuid[])`, [unique]);
    return new Map(rows.map((r) => [r['id'] as string, runFromDb(r)]));
  }

  /**
   * The part of the run graphs that a change to `jobIds` can affect, as edges:
   * every edge out of those jobs, every edge into their children (to see the
   * children's other parents), and, for `withDescendants` (a subset whose
   * change may cancel downstream), every edge out of any of their descendants.
   * Inputs: job ids of runs; output: distinct edges. Reads only; the caller
   * locks the jobs it then loads.
   */
  async neighbourhood(q: Queryable, jobIds: string[], withDescendants: string[]): Promise<RunEdgeRow[]> {
    if (jobIds.length === 0) return [];
    const rows: Record<string, unknown>[] = await q.query(
      `WITH RECURSIVE
         kids AS (SELECT child_id AS id FROM ledger.run_edges WHERE parent_id = ANY($1::uuid[])),
         down(id) AS (
           SELECT unnest($2::uuid[])
           UNION
           SELECT e.child_id FROM ledger.run_edges e JOIN down d ON e.parent_id = d.id
         )
       SELECT tenant, run_id, parent_id, child_id FROM ledger.run_edges WHERE parent_id = ANY($1::uuid[])
       UNION
       SELECT e.tenant, e.run_id, e.parent_id, e.child_id FROM ledger.run_edges e JOIN kids k ON e.child_id = k.id
       UNION
       SELECT e.tenant, e.run_id, e.parent_id, e.child_id FROM ledger.run_edges e JOIN down d ON e.parent_id = d.id`,
      [[...new Set(jobIds)], [...new Set(withDescendants)]],
    );
    return rows.map(edgeFromDb);
  }

  /** The tenant's run, or null (another tenant's run is not found either). */
  async getRun(q: Queryable, tenant: string, id: string): Promise<RunRow | null> {
    const rows: Record<string, unknown>[] = await q.query(`SELECT * FROM ledger.runs WHERE id = $1 AND tenant = $2`, [id, tenant]);
    return rows.length > 0 ? runFromDb(rows[0]) : null;
  }

  /** Every job of the tenant's run (any order; the run's `jobKeys` gives request order). */
  async runJobs(q: Queryable, tenant: string, runId: string): Promise<JobRow[]> {
    const rows: Record<string, unknown>[] = await q.query(`SELECT * FROM ledger.jobs WHERE run_id = $1 AND tenant = $2`, [runId, tenant]);
    return rows.map(jobFromDb);
  }

  /** Ids of every job of the tenant's run (empty: no such run of this tenant). */
  async runJobIds(q: Queryable, tenant: string, runId: string): Promise<string[]> {
    const rows: { id: string }[] = await q.query(`SELECT id FROM ledger.jobs WHERE run_id = $1 AND tenant = $2 ORDER BY id`, [runId, tenant]);
    return rows.map((r) => r.id);
  }

  /** Every edge of the tenant's run. */
  async runEdges(q: Queryable, tenant: string, runId: string): Promise<RunEdgeRow[]> {
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT tenant, run_id, parent_id, child_id FROM ledger.run_edges WHERE run_id = $1 AND tenant = $2`,
      [runId, tenant],
    );
    return rows.map(edgeFromDb);
  }

  /**
   * The tenant's runs, newest first (`created_at DESC, id DESC`), after the
   * given position, with each run's job statuses for the aggregate status.
   */
  async listRuns(
    q: Queryable,
    params: { tenant: string; limit: number; after?: { createdAt: string; id: string } },
  ): Promise<{ runs: { run: RunRow; statuses: JobStatus[] }[]; next: { createdAt: string; id: string } | null }> {
    const args: unknown[] = [params.tenant, params.limit + 1];
    let where = 'r.tenant = $1';
    if (params.after) {
      args.push(params.after.createdAt, params.after.id);
      where += ` AND (r.created_at, r.id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows: Record<string, unknown>[] = await q.query(
      `SELECT r.*, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
              (SELECT coalesce(array_agg(j.status), '{}') FROM ledger.jobs j WHERE j.run_id = r.id AND j.tenant = r.tenant) AS statuses
         FROM ledger.runs r
        WHERE ${where}
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT $2`,
      args,
    );
    const page = rows.slice(0, params.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((r) => ({ run: runFromDb(r), statuses: pgArray(r['statuses']) as JobStatus[] })),
      next: rows.length > params.limit && last ? { createdAt: last['created_key'] as string, id: last['id'] as string } : null,
    };
  }
}

/** A text[] as pg returns it (an array, or `{a,b}` when the type is not parsed). */
function pgArray(v: unknown): string[] {
  if (Array.isArray(v)) return v as string[];
  if (typeof v === 'string') return v.replace(/^\{|\}$/g, '').split(',').filter((s) => s.length > 0);
  return [];
}

/**
 * The parents of the tenant's job (in its DAG run) that have not succeeded
 * yet, with their statuses, oldest first; `[]` for a job without parents, of
 * another tenant or unknown. With the run's policy `continue`, a parent that
 * ended otherwise no longer holds the job, so only unfinished parents count.
 * For `GET /api/v1/jobs/{id}/explain`.
 */
export async function openParents(q: Queryable, tenant: string, jobId: string): Promise<{ id: string; status: string }[]> {
  const rows: { id: string; status: string }[] = await q.query(
    `SELECT p.id, p.status
       FROM ledger.run_edges e
       JOIN ledger.jobs p ON p.id = e.parent_id AND p.tenant = e.tenant
       JOIN ledger.runs r ON r.id = e.run_id
      WHERE e.child_id = $1 AND e.tenant = $2
        AND CASE WHEN r.failure_policy = 'continue'
                 THEN p.status NOT IN ('succeeded', 'failed', 'canceled', 'timed_out')
                 ELSE p.status <> 'succeeded' END
      ORDER BY p.created_at, p.id`,
    [jobId, tenant],
  );
  return rows.map((r) => ({ id: r.id, status: r.status }));
}
