import { Inject, Injectable } from '@nestjs/common';
import { ArtifactView, OrchError } from '@orch/contracts';
import { ArtifactStore, LEDGER_DATA_SOURCE } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { isJobId } from '../jobs/job-id';
import { JobsService } from '../jobs/jobs.service';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import { ArtifactObjectReader } from './artifact-object.reader';

/** A verified download: the ledger's record and the bytes that match it. */
export interface ArtifactContent {
  artifact: ArtifactView;
  bytes: Buffer;
}

/**
 * Artifacts for the control plane: listed from the ledger (`job.artifact` events, by tenant),
 * downloaded from the tenant's object-store bucket only after the bytes were checked against
 * the ledger's record. Another tenant's job or artifact is not found.
 */
@Injectable()
export class ArtifactsService {
  private readonly store = new ArtifactStore();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly jobs: JobsService,
    private readonly objects: ArtifactObjectReader,
  ) {}

  /** The job's artifacts in the order they were recorded; 404 for a job not the tenant's. */
  async list(tenant: string, jobId: string): Promise<ArtifactView[]> {
    await this.jobs.mustFind(tenant, jobId);
    return this.read(() => this.store.listForJob(this.ds, tenant, jobId));
  }

  /** The artifact and its verified bytes; 404 for an artifact not the tenant's, 502 when the store disagrees with the ledger. */
  async content(tenant: string, id: string): Promise<ArtifactContent> {
    const artifact = isJobId(id) ? await this.read(() => this.store.find(this.ds, tenant, id.toLowerCase())) : null;
    if (!artifact) throw new OrchError('notFound', `artifact ${isJobId(id) ? id : '(invalid id)'} not found`);
    return { artifact, bytes: await this.objects.read(tenant, artifact) };
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }
}
