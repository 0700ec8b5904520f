import type { LimitState, LimitStateKeys } from '@orch/domain';
import { emptyLimitState } from '@orch/domain';
import type { Queryable } from '../ledger.repository';
import { limitsRows as queryRows } from './rows';

/** An admitted attempt and the keys it was charged to. */
export interface AdmissionRow {
  jobId: string;
  attempt: number;
  tenant: string;
  slotKeys: string[];
  usageKeys: string[];
  rateKeys: string[];
  admittedAt: Date;
  releasedAt: Date | null;
}

/** An admission to record. */
export interface NewAdmission {
  jobId: string;
  attempt: number;
  slotKeys: string[];
  usageKeys: string[];
  rateKeys: string[];
}

/** Why a slot was given back (stored in `release_reason`). */
export type ReleaseReason = 'attempt_ended' | 'superseded' | 'reconciled';

/** An attempt of a job. */
export interface AttemptRef {
  jobId: string;
  attempt: number;
}

function admissionFromDb(r: Record<string, unknown>): AdmissionRow {
  return {
    jobId: r['job_id'] as string,
    attempt: Number(r['attempt']),
    tenant: r['tenant'] as string,
    slotKeys: (r['slot_keys'] as string[]) ?? [],
    usageKeys: (r['usage_keys'] as string[]) ?? [],
    rateKeys: (r['rate_keys'] as string[]) ?? [],
    admittedAt: new Date(r['admitted_at'] as string),
    releasedAt: r['released_at'] ? new Date(r['released_at'] as string) : null,
  };
}

const ADMISSION_COLUMNS = 'job_id, attempt, tenant, slot_keys, usage_keys, rate_keys, admitted_at, released_at';

/** Which map of a {@link LimitState} each key belongs to, from the planned keys. */
export function keyKinds(keys: LimitStateKeys): Map<string, keyof LimitState> {
  const kinds = new Map<string, keyof LimitState>();
  for (const k of keys.buckets) kinds.set(k, 'buckets');
  for (const k of keys.inFlight) kinds.set(k, 'inFlight');
  for (const k of keys.usage) kinds.set(k, 'usage');
  for (const k of keys.breakers) kinds.set(k, 'breakers');
  return kinds;
}

/**
 * State rows and admissions of the `limits` schema. Every method runs in the caller's
 * transaction; the locking ones must be called in a transaction.
 */
export class LimitsStateRepository {
  /**
   * Locks the state rows of `keys` (creating missing ones with a NULL value = the default of
   * their kind) in sorted key order, so concurrent replicas locking overlapping key sets queue
   * behind each other instead of deadlocking. Returns the state of the locked keys, each put in
   * the map `kinds` names (a key not in `kinds` is a slot counter: `inFlight`).
   * Invariant: until the transaction ends, no other admission or release reads or writes these rows.
   */
  async lockState(q: Queryable, p: { keys: string[]; kinds: Map<string, keyof LimitState> }): Promise<LimitState> {
    const sorted = [...new Set(p.keys)].sort();
    const state = emptyLimitState();
    if (sorted.length === 0) return state;
    await q.query(`INSERT INTO limits.state (key) SELECT k FROM unnest($1::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`, [sorted]);
    const rows = await queryRows<{ key: string; value: unknown }>(
      q,
      `SELECT key, value FROM limits.state WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
      [sorted],
    );
    for (const r of rows) {
      if (r.value === null || r.value === undefined) continue;
      const kind = p.kinds.get(r.key) ?? 'inFlight';
      (state[kind] as Record<string, unknown>)[r.key] = r.value;
    }
    return state;
  }

  /** Reads state rows without locking (the quota "remaining" figures). */
  async readState(q: Queryable, p: { keys: string[]; kinds: Map<string, keyof LimitState> }): Promise<LimitState> {
    const state = emptyLimitState();
    if (p.keys.length === 0) return state;
    const rows = await queryRows<{ key: string; value: unknown }>(q, `SELECT key, value FROM limits.state WHERE key = ANY($1::text[]) AND value IS NOT NULL`, [p.keys]);
    for (const r of rows) (state[p.kinds.get(r.key) ?? 'inFlight'] as Record<string, unknown>)[r.key] = r.value;
    return state;
  }

  /** Writes back the entries of `keys` from `state` (rows locked by {@link lockState}). */
  async writeState(q: Queryable, p: { state: LimitState; keys: string[] }): Promise<void> {
    if (p.keys.length === 0) return;
    const values: string[] = [];
    for (const key of p.keys) {
      const s = p.state;
      const v = Object.hasOwn(s.buckets, key)
        ? s.buckets[key]
        : Object.hasOwn(s.inFlight, key)
          ? s.inFlight[key]
          : Object.hasOwn(s.usage, key)
            ? s.usage[key]
            : Object.hasOwn(s.breakers, key)
              ? s.breakers[key]
              : null;
      values.push(JSON.stringify(v));
    }
    await q.query(
      `UPDATE limits.state s SET value = v.value::jsonb, updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS v(key, value) WHERE s.key = v.key`,
      [p.keys, values],
    );
  }

  /** Admissions of these jobs (every attempt), for the admit transaction to sort into open, released and stale. */
  async admissionsOfJobs(q: Queryable, p: { jobIds: string[] }): Promise<AdmissionRow[]> {
    if (p.jobIds.length === 0) return [];
    const rows = await queryRows(q, `SELECT ${ADMISSION_COLUMNS} FROM limits.admissions WHERE job_id = ANY($1::uuid[]) ORDER BY job_id, attempt`, [p.jobIds]);
    return rows.map(admissionFromDb);
  }

  /**
   * Records admissions (or re-opens a released one of the same attempt with its new keys).
   * Invariant: at most one row per `(job_id, attempt)`; an open row's keys are charged exactly once.
   */
  async recordAdmissions(q: Queryable, p: { tenant: string; admissions: NewAdmission[]; at: Date }): Promise<void> {
    if (p.admissions.length === 0) return;
    const a = p.admissions;
    await q.query(
      `INSERT INTO limits.admissions (job_id, attempt, tenant, slot_keys, usage_keys, rate_keys, admitted_at)
       SELECT v.job_id, v.attempt, $1, ARRAY(SELECT jsonb_array_elements_text(v.slots)), ARRAY(SELECT jsonb_array_elements_text(v.usage)),
              ARRAY(SELECT jsonb_array_elements_text(v.rates)), $2
       FROM unnest($3::uuid[], $4::int[], $5::jsonb[], $6::jsonb[], $7::jsonb[]) AS v(job_id, attempt, slots, usage, rates)
       ON CONFLICT (job_id, attempt) DO UPDATE SET slot_keys = EXCLUDED.slot_keys, usage_keys = EXCLUDED.usage_keys,
         rate_keys = EXCLUDED.rate_keys, admitted_at = EXCLUDED.admitted_at, released_at = NULL, release_reason = NULL
       WHERE limits.admissions.released_at IS NOT NULL`,
      [
        p.tenant,
        p.at.toISOString(),
        a.map((x) => x.jobId),
        a.map((x) => x.attempt),
        a.map((x) => JSON.stringify(x.slotKeys)),
        a.map((x) => JSON.stringify(x.usageKeys)),
        a.map((x) => JSON.stringify(x.rateKeys)),
      ],
    );
  }

  /**
   * Marks open admissions released and returns them (each at most once, whoever else releases
   * concurrently: `released_at IS NULL` is re-checked under the row lock).
   */
  async markReleased(q: Queryable, p: { attempts: AttemptRef[]; reason: ReleaseReason }): Promise<AdmissionRow[]> {
    if (p.attempts.length === 0) return [];
    const rows = await queryRows(
      q,
      `UPDATE limits.admissions a SET released_at = now(), release_reason = $3
       FROM unnest($1::uuid[], $2::int[]) AS v(job_id, attempt)
       WHERE a.job_id = v.job_id AND a.attempt = v.attempt AND a.released_at IS NULL
       RETURNING a.job_id, a.attempt, a.tenant, a.slot_keys, a.usage_keys, a.rate_keys, a.admitted_at, a.released_at`,
      [p.attempts.map((x) => x.jobId), p.attempts.map((x) => x.attempt), p.reason],
    );
    return rows.map(admissionFromDb);
  }

  /** Open admissions holding slots, admitted before `before`, oldest first (the reconciler's page). */
  async openSlotAdmissions(q: Queryable, p: { before: Date; limit: number; afterJobId?: string | null }): Promise<AdmissionRow[]> {
    const rows = await queryRows(
      q,
      `SELECT ${ADMISSION_COLUMNS} FROM limits.admissions
       WHERE released_at IS NULL AND cardinality(slot_keys) > 0 AND admitted_at < $1
       ORDER BY admitted_at, job_id LIMIT $2`,
      [p.before.toISOString(), p.limit],
    );
    return rows.map(admissionFromDb);
  }

  /**
   * Claims the counting of an attempt's outcome: true the first time, false when it was counted
   * already (a redelivered event). Call in the transaction that updates the breakers.
   */
  async claimOutcome(q: Queryable, p: { jobId: string; attempt: number; tenant: string; success: boolean }): Promise<boolean> {
    const rows = await queryRows(
      q,
      `INSERT INTO limits.outcomes (job_id, attempt, tenant, success) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id, attempt) DO NOTHING RETURNING job_id`,
      [p.jobId, p.attempt, p.tenant, p.success],
    );
    return rows.length === 1;
  }

  /**
   * The job of `tenant` a worker reports about, with its current lease and status (null: no such
   * job of this tenant). Read-only query of `ledger.jobs`.
   */
  async jobLease(
    q: Queryable,
    p: { tenant: string; jobId: string },
  ): Promise<{ project: string; jobType: string; source: string | null; status: string; leaseId: string | null; fencingToken: number } | null> {
    const rows = await queryRows<{ project: string; job_type: string; source: string | null; status: string; lease_id: string | null; fencing_token: string | number }>(
      q,
      `SELECT project, job_type, source, status, lease_id, fencing_token FROM ledger.jobs WHERE tenant = $1 AND id = $2`,
      [p.tenant, p.jobId],
    );
    const r = rows[0];
    return r ? { project: r.project, jobType: r.job_type, source: r.source, status: r.status, leaseId: r.lease_id, fencingToken: Number(r.fencing_token) } : null;
  }

  /** Deletes outcome records older than `before` (bounded), returning how many went. */
  async pruneOutcomes(q: Queryable, p: { before: Date; limit: number }): Promise<number> {
    const rows = await queryRows(
      q,
      `DELETE FROM limits.outcomes WHERE (job_id, attempt) IN (
         SELECT job_id, attempt FROM limits.outcomes WHERE recorded_at < $1 LIMIT $2)
       RETURNING job_id`,
      [p.before.toISOString(), p.limit],
    );
    return rows.length;
  }

  /** Deletes released admissions older than `before` (bounded), returning how many went. */
  async pruneReleased(q: Queryable, p: { before: Date; limit: number }): Promise<number> {
    const rows = await queryRows(
      q,
      `DELETE FROM limits.admissions WHERE (job_id, attempt) IN (
         SELECT job_id, attempt FROM limits.admissions WHERE released_at IS NOT NULL AND released_at < $1 LIMIT $2)
       RETURNING job_id`,
      [p.before.toISOString(), p.limit],
    );
    return rows.length;
  }

  /**
   * Of these attempts, the ones the ledger still holds admitted (queued with `admitted_attempt`
   * = attempt), leased or running at that attempt. Read-only query of `ledger.jobs`.
   */
  async liveInLedger(q: Queryable, p: { attempts: AttemptRef[] }): Promise<Set<string>> {
    if (p.attempts.length === 0) return new Set();
    const rows = await queryRows<{ id: string; attempt: number }>(
      q,
      `SELECT j.id, j.attempt FROM ledger.jobs j
       JOIN unnest($1::uuid[], $2::int[]) AS v(job_id, attempt) ON j.id = v.job_id AND j.attempt = v.attempt
       WHERE j.status IN ('leased', 'running') OR (j.status = 'queued' AND j.admitted_attempt = j.attempt)`,
      [p.attempts.map((x) => x.jobId), p.attempts.map((x) => x.attempt)],
    );
    return new Set(rows.map((r) => `${r.id}:${Number(r.attempt)}`));
  }
}
