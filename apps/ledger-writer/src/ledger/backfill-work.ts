import { BackfillState, JobStatus, ThrottleCode, ThrottleReason } from '@orch/contracts';
import { windowsOverlap } from '@orch/domain';
import type { BackfillRow, BusyWindowRow, JobRow, JobWindowRow, WindowKey } from '@orch/persistence';

/** What `create-backfill` plans over, read under the window lock of its key. */
export interface CreateBackfillFacts {
  watermark: Date | null;
  covering: JobWindowRow[];
}

/** A windowed job's key, or null for a job without a window. */
export function windowKeyOf(job: Pick<JobRow, 'tenant' | 'source' | 'jobType' | 'windowFrom'>): WindowKey | null {
  return job.windowFrom && job.source ? { tenant: job.tenant, source: job.source, jobType: job.jobType } : null;
}

/**
 * The backfill part of one group commit's working set: backfills created or changed in it, the
 * facts the group commit preloaded for `create-backfill`, and, for `admit`, the states of the
 * admitted jobs' backfills and the windows in flight of their keys.
 */
export class BackfillWork {
  readonly created: BackfillRow[] = [];
  private readonly rows = new Map<string, BackfillRow>();
  private readonly changed = new Set<string>();
  private readonly states = new Map<string, BackfillState>();
  private readonly busy: BusyWindowRow[] = [];
  private readonly facts = new Map<string, CreateBackfillFacts>();

  /** Backfills row-locked by the group commit (control commands). */
  load(rows: Iterable<BackfillRow>): void {
    for (const r of rows) {
      this.rows.set(r.id, r);
      this.states.set(r.id, r.state);
    }
  }

  /** States of the backfills of jobs being admitted. */
  loadStates(states: Map<string, BackfillState>): void {
    for (const [id, s] of states) if (!this.states.has(id)) this.states.set(id, s);
  }

  /** Windowed jobs in flight for the keys of jobs being admitted (read under their window locks). */
  loadBusy(rows: readonly BusyWindowRow[]): void {
    this.busy.push(...rows);
  }

  setFacts(backfillId: string, facts: CreateBackfillFacts): void {
    this.facts.set(backfillId, facts);
  }

  factsFor(backfillId: string): CreateBackfillFacts | undefined {
    return this.facts.get(backfillId);
  }

  get(tenant: string, id: string): BackfillRow | undefined {
    const row = this.rows.get(id);
    return row && row.tenant === tenant ? row : undefined;
  }

  add(row: BackfillRow): void {
    this.created.push(row);
    this.rows.set(row.id, row);
    this.states.set(row.id, row.state);
  }

  setState(row: BackfillRow, state: BackfillState, now: Date): void {
    row.state = state;
    row.updatedAt = now;
    this.states.set(row.id, state);
    this.changed.add(row.id);
  }

  /** Preloaded backfills whose state changed (new ones are inserted whole). */
  changedRows(): BackfillRow[] {
    const fresh = new Set(this.created.map((b) => b.id));
    return [...this.changed].filter((id) => !fresh.has(id)).map((id) => this.rows.get(id)!);
  }

  /**
   * Why `job` may not be admitted now, or null: its backfill is paused, or a job of the same
   * tenant, source and job type with an overlapping window is admitted, leased or running
   * (counting the jobs admitted earlier in this transaction).
   */
  hold(job: JobRow): { reason: ThrottleReason } | null {
    if (job.backfillId && this.states.get(job.backfillId) === 'paused') {
      return { reason: { code: ThrottleCode.backfillPaused, ruleId: null, key: `backfill:${job.backfillId}`, detail: `backfill ${job.backfillId} is paused` } };
    }
    const key = windowKeyOf(job);
    if (!key) return null;
    const mine = { from: job.windowFrom!.getTime(), to: job.windowTo!.getTime() };
    const other = this.busy.find(
      (b) => b.id !== job.id && b.tenant === key.tenant && b.source === key.source && b.jobType === key.jobType && windowsOverlap(mine, { from: b.from.getTime(), to: b.to.getTime() }),
    );
    if (!other) return null;
    const kind = other.status === JobStatus.leased || other.status === JobStatus.running ? other.status : 'admitted';
    return {
      reason: {
        code: ThrottleCode.windowBusy,
        ruleId: null,
        key: `window:${key.source}|${key.jobType}`,
        detail: `job ${other.id} (${kind}) processes an overlapping window ${other.from.toISOString()}–${other.to.toISOString()} of source ${key.source}`,
      },
    };
  }

  /** Records an admission made in this transaction, so later jobs of the batch see its window. */
  admitted(job: JobRow): void {
    const key = windowKeyOf(job);
    if (!key) return;
    this.busy.push({ id: job.id, status: job.status, ...key, from: job.windowFrom!, to: job.windowTo! });
  }
}
