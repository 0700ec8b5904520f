import { ArtifactEventData, ArtifactRequest, artifactBucket, artifactObjectName, artifactUri, ArtifactView, Envelope, EventType, LedgerVerb, OrchError, RecordArtifactResult } from '@orch/contracts';
import { ArtifactStore, Queryable } from '@orch/persistence';
import { fenced } from './command-support';
import type { CommandContext, UnitOfWork } from './unit-of-work';

const keyOf = (jobId: string, attempt: number, name: string) => `${jobId}\u0000${attempt}\u0000${name}`;

/**
 * The artifacts a group commit knows of: those already recorded for the jobs its `artifact`
 * commands name (preloaded under the jobs' row locks) and those recorded in this batch, so two
 * records of one name in one attempt are refused even inside one transaction.
 */
export class ArtifactIndex {
  private readonly byKey = new Map<string, ArtifactView>();

  load(artifacts: Iterable<ArtifactView>): void {
    for (const a of artifacts) this.add(a);
  }

  add(a: ArtifactView): void {
    this.byKey.set(keyOf(a.jobId, a.attempt, a.name), a);
  }

  find(jobId: string, attempt: number, name: string): ArtifactView | undefined {
    return this.byKey.get(keyOf(jobId, attempt, name));
  }
}

const store = new ArtifactStore();

/**
 * Loads the artifacts already recorded for the jobs of a batch's `artifact` commands, inside the
 * transaction that holds those jobs' row locks (so no one records one meanwhile).
 */
export async function preloadArtifacts(q: Queryable, batch: readonly { verb: LedgerVerb; envelope: Envelope<unknown> }[], uow: UnitOfWork): Promise<void> {
  const byTenant = new Map<string, string[]>();
  for (const c of batch) {
    if (c.verb !== 'artifact') continue;
    byTenant.set(c.envelope.tenant, [...(byTenant.get(c.envelope.tenant) ?? []), (c.envelope.data as ArtifactRequest).jobId.toLowerCase()]);
  }
  for (const [tenant, jobIds] of byTenant) uow.artifacts.load(await store.recordedFor(q, tenant, jobIds));
}

/**
 * `artifact`: the worker holding the job's current lease stored an artifact in its tenant's bucket
 * under `<jobId>/<attempt>/<name>`; the ledger records it as a `job.artifact` event (uri, SHA-256,
 * size, mime) in the tenant's hash chain. A stale lease is refused (`stale_lease`) like any fenced
 * call. The same name again in the attempt answers the first record when digest, size and mime
 * agree (a retried call), and is `artifact_exists` otherwise; the job's state does not change.
 */
export function applyArtifact(uow: UnitOfWork, ctx: CommandContext, req: ArtifactRequest): RecordArtifactResult {
  const job = fenced(uow, ctx.tenant, req);
  const existing = uow.artifacts.find(job.id, job.attempt, req.name);
  if (existing) {
    if (existing.sha256 === req.sha256 && existing.size === req.size && existing.mime === req.mime) return { artifact: existing, created: false };
    throw new OrchError('artifactExists', `artifact "${req.name}" of job ${job.id} attempt ${job.attempt} is already recorded with another digest, size or mime`, {
      retryable: false,
    });
  }
  const uri = artifactUri(artifactBucket(uow.names.namespace, job.tenant), artifactObjectName(job.id, job.attempt, req.name));
  const data: ArtifactEventData = { name: req.name, uri, sha256: req.sha256, size: req.size, mime: req.mime };
  const event = uow.emit(job, EventType.artifact, ctx, { ...data });
  const artifact: ArtifactView = { id: event.id, jobId: job.id, attempt: job.attempt, ...data, createdAt: event.occurredAt };
  uow.artifacts.add(artifact);
  return { artifact, created: true };
}
