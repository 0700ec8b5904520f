import { AdmitCommand, ControlBackfillCommand, CreateBackfillCommand, Envelope, JobStatus, LedgerVerb } from '@orch/contracts';
import { advanceWatermark } from '@orch/domain';
import type { BackfillStore, JobRow, Queryable, WindowKey } from '@orch/persistence';
import { windowKeyOf } from './backfill-work';
import type { UnitOfWork } from './unit-of-work';

/** A command of the batch, as far as the backfill preload needs it. */
interface BatchCommand {
  verb: LedgerVerb;
  envelope: Envelope<unknown>;
}

const keyId = (k: WindowKey) => `${k.tenant}|${k.source}|${k.jobType}`;

/**
 * Reads what the batch's backfill work decides on, inside the group-commit transaction and after
 * the tenants' chain heads are locked (every window key belongs to one tenant, so nothing else
 * writes these windows until commit):
 * - `create-backfill`: the key's watermark and the jobs already covering the window;
 * - `control-backfill`: the backfill, row-locked;
 * - `admit`: the states of the admitted jobs' backfills and the windows in flight of their keys.
 */
export async function preloadBackfillFacts(q: Queryable, store: BackfillStore, batch: readonly BatchCommand[], jobs: Map<string, JobRow>, uow: UnitOfWork): Promise<void> {
  const busyKeys = new Map<string, WindowKey>();
  const backfillIds = new Set<string>();
  for (const c of batch) {
    const tenant = c.envelope.tenant;
    if (c.verb === 'create-backfill') {
      const cmd = c.envelope.data as CreateBackfillCommand;
      const key = { tenant, source: cmd.source, jobType: cmd.jobType };
      const [watermark, covering] = await Promise.all([store.watermark(q, key), store.coveringJobs(q, key, new Date(cmd.from), new Date(cmd.to))]);
      uow.backfills.setFacts(cmd.backfillId, { watermark, covering });
    } else if (c.verb === 'control-backfill') {
      const cmd = c.envelope.data as ControlBackfillCommand;
      uow.backfills.load((await store.backfills(q, tenant, [cmd.backfillId.toLowerCase()], true)).values());
    } else if (c.verb === 'admit') {
      for (const item of (c.envelope.data as AdmitCommand).jobs) {
        const job = jobs.get(item.jobId);
        if (!job || job.tenant !== tenant) continue;
        if (job.backfillId) backfillIds.add(job.backfillId);
        const key = windowKeyOf(job);
        if (key) busyKeys.set(keyId(key), key);
      }
    }
  }
  if (backfillIds.size > 0) uow.backfills.loadStates(await store.statesOf(q, [...backfillIds]));
  if (busyKeys.size > 0) uow.backfills.loadBusy(await store.busyWindows(q, [...busyKeys.values()]));
}

/**
 * Writes the batch's backfill changes after the jobs: new backfills (each key gets a watermark at
 * its backfill's `from` if it had none), changed states, and the watermarks of keys whose
 * windowed jobs succeeded in this batch, advanced through the succeeded windows without a gap.
 */
export async function saveBackfills(q: Queryable, store: BackfillStore, uow: UnitOfWork): Promise<void> {
  await store.insertBackfills(q, uow.backfills.created);
  for (const b of uow.backfills.created) await store.ensureWatermark(q, { tenant: b.tenant, source: b.source, jobType: b.jobType }, b.windowFrom, uow.now);
  await store.saveStates(q, uow.backfills.changedRows());
  const keys = new Map<string, WindowKey>();
  for (const job of uow.dirtyJobs()) {
    const key = job.status === JobStatus.succeeded ? windowKeyOf(job) : null;
    if (key) keys.set(keyId(key), key);
  }
  for (const id of [...keys.keys()].sort()) await store.advanceWatermark(q, keys.get(id)!, uow.now, advanceWatermark);
}
