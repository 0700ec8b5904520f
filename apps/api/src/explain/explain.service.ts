import { Inject, Injectable } from '@nestjs/common';
import type { JobExplanation } from '@orch/contracts';
import { explainJob, ExplainFacts } from '@orch/domain';
import { JobExplainReader, JobRow, LEDGER_DATA_SOURCE, openParents, toJobView } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { JobsService } from '../jobs/jobs.service';
import { ledgerReadFailure } from '../jobs/ledger-errors';

/**
 * `GET /api/v1/jobs/{id}/explain`: gathers, read-only and scoped to the
 * caller's tenant, what the ledger says around one job (its row, its place in
 * line, the workers on its type, its run's unfinished parents) and lets the pure `explainJob` say why it is
 * not running. Holds (limits, quotas, pauses, breakers) are ledger state
 * (ADR 0011 §3), so the reason a throttled job waits is read off its row.
 */
@Injectable()
export class ExplainService {
  private readonly reader = new JobExplainReader();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly jobs: JobsService,
  ) {}

  async explain(tenant: string, id: string, now = new Date()): Promise<JobExplanation> {
    const job = await this.jobs.mustFind(tenant, id);
    try {
      return explainJob(await this.facts(job, now));
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }

  private async facts(job: JobRow, now: Date): Promise<ExplainFacts> {
    const eligible = job.status === 'queued' || job.status === 'throttled';
    const admitted = eligible && job.admittedAttempt === job.attempt;
    const [queue, workers, parents] = await Promise.all([
      eligible && !admitted ? this.reader.queuePosition(this.ds, job, now) : Promise.resolve(null),
      eligible ? this.reader.workerActivity(this.ds, job.tenant, job.jobType, now) : Promise.resolve(null),
      job.status === 'pending' && job.runId ? openParents(this.ds, job.tenant, job.id) : Promise.resolve([]),
    ]);
    return { job: toJobView(job), admitted, queue, workers, openParents: parents, now };
  }
}
