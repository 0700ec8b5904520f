import { Inject, Injectable } from '@nestjs/common';
import { LimitState, releaseSlots } from '@orch/domain';
import { AdmissionRow, AttemptRef, LIMITS_DATA_SOURCE, LimitsStateRepository, ReleaseReason } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { SerialBatcher } from './serial-batcher';
import { slotLockKeys } from './slot-keys';
import { withTxRetry } from './tx-retry';

/** A job whose attempts below `endedBelow` are over (a terminal event at attempt n: n + 1; a requeue at attempt n: n). */
export interface EndedAttempts {
  jobId: string;
  endedBelow: number;
}

/** Ended attempts released in one transaction at most. */
export const RELEASE_BATCH_MAX = 256;

/**
 * Gives concurrency slots (and quota maxActive slots, breaker probes) back when an attempt ends:
 * marks its admission released and decrements the counters it held, in one transaction, so a
 * slot is released at most once whoever notices first (the event consumer, the reconciler, or an
 * admission of a later attempt).
 */
@Injectable()
export class SlotReleaseService {
  private readonly repo = new LimitsStateRepository();
  /** Group commit of the event consumer's releases (docs/adr/0016 §5). */
  private readonly grouped = new SerialBatcher<EndedAttempts, boolean>(async (items) => {
    const released = new Set((await this.releaseEnded(items, 'attempt_ended')).map((a) => a.jobId));
    return items.map((i) => released.has(i.jobId));
  }, RELEASE_BATCH_MAX);

  constructor(@Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Releases one ended attempt, group-committed with the others that end meanwhile: one
   * transaction runs at a time and takes every attempt queued while it ran (up to
   * {@link RELEASE_BATCH_MAX}), instead of one transaction per event all queueing on the same hot
   * counter row. Resolves after the commit (true when a slot of this job was released), so the
   * event is acknowledged only once its release is durable; rejects if that transaction failed.
   */
  releaseEndedGrouped(item: EndedAttempts): Promise<boolean> {
    return this.grouped.add(item);
  }

  /** Releases the open admissions of these jobs at attempts below `endedBelow`; returns those released. */
  async releaseEnded(items: readonly EndedAttempts[], reason: ReleaseReason): Promise<AdmissionRow[]> {
    if (items.length === 0) return [];
    const below = new Map<string, number>();
    for (const i of items) below.set(i.jobId, Math.max(below.get(i.jobId) ?? 0, i.endedBelow));
    const open = await this.repo.admissionsOfJobs(this.ds, { jobIds: [...below.keys()] });
    const ended = open.filter((a) => a.releasedAt === null && a.attempt < (below.get(a.jobId) ?? 0));
    return this.release(ended, reason);
  }

  /** Releases these admissions (those still open); returns those released. */
  async release(admissions: readonly (AttemptRef & { slotKeys: string[] })[], reason: ReleaseReason): Promise<AdmissionRow[]> {
    if (admissions.length === 0) return [];
    return withTxRetry(this.ds, async (tx) => {
      const planned = slotLockKeys(admissions.flatMap((a) => a.slotKeys));
      let state: LimitState = await this.repo.lockState(tx, planned);
      const released = await this.repo.markReleased(tx, { attempts: admissions.map((a) => ({ jobId: a.jobId, attempt: a.attempt })), reason });
      if (released.length === 0) return [];
      const actual = slotLockKeys(released.flatMap((a) => a.slotKeys));
      const locked = new Set(planned.keys);
      const late = actual.keys.filter((k) => !locked.has(k));
      if (late.length > 0) {
        const more = await this.repo.lockState(tx, { keys: late, kinds: actual.kinds });
        state = { ...state, inFlight: { ...state.inFlight, ...more.inFlight }, breakers: { ...state.breakers, ...more.breakers } };
      }
      const change = releaseSlots(state, released.flatMap((a) => a.slotKeys));
      await this.repo.writeState(tx, { state: change.state, keys: change.touched });
      return released;
    });
  }
}
