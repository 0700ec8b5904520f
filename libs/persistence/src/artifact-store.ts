import { ArtifactView, artifactOfEvent, EventType } from '@orch/contracts';
import { eventFromDb } from './ledger-reader';
import type { Queryable } from './ledger.repository';

/** The columns an artifact is read from: its `job.artifact` ledger event (served by job_events_job_idx or the id index). */
const ARTIFACT_COLUMNS = `id, tenant, seq, project, job_id, event_type, attempt, occurred_at, actor, data, prev_hash, hash`;

async function artifactRows(q: Queryable, sql: string, params: unknown[]): Promise<ArtifactView[]> {
  const res = await q.query(sql, params);
  const rows = (Array.isArray(res) ? res : res.rows) as Record<string, unknown>[];
  return rows.map((r) => artifactOfEvent(eventFromDb(r))).filter((a): a is ArtifactView => a !== null);
}

/**
 * Artifacts are ledger events (`job.artifact`, in the tenant's hash chain): there is no table of
 * their own, so these queries read them from `ledger.job_events`, always by tenant.
 */
export class ArtifactStore {
  /**
   * Every artifact of `jobIds` (the ledger-writer's preload for `artifact` commands, inside the
   * transaction that holds those jobs' row locks, so no other writer records one meanwhile).
   */
  recordedFor(q: Queryable, tenant: string, jobIds: readonly string[]): Promise<ArtifactView[]> {
    if (jobIds.length === 0) return Promise.resolve([]);
    return artifactRows(
      q,
      `SELECT ${ARTIFACT_COLUMNS} FROM ledger.job_events WHERE job_id = ANY($1::uuid[]) AND tenant = $2 AND event_type = $3 ORDER BY seq`,
      [jobIds, tenant, EventType.artifact],
    );
  }

  /** The tenant's job's artifacts in the order they were recorded (every attempt). */
  listForJob(q: Queryable, tenant: string, jobId: string): Promise<ArtifactView[]> {
    return this.recordedFor(q, tenant, [jobId]);
  }

  /** The tenant's artifact `id`, or null (another tenant's is not found). */
  async find(q: Queryable, tenant: string, id: string): Promise<ArtifactView | null> {
    const found = await artifactRows(q, `SELECT ${ARTIFACT_COLUMNS} FROM ledger.job_events WHERE id = $1 AND tenant = $2 AND event_type = $3`, [id, tenant, EventType.artifact]);
    return found[0] ?? null;
  }
}
