import { Injectable, Logger } from '@nestjs/common';
import { Allocation, ClaimRequest, ClaimResult, LeaseCommand, LeaseCommandResult } from '@orch/contracts';
import { Incoming, OrchClient } from '@orch/messaging';
import { ArtifactBuckets } from '../artifacts/artifact-buckets.service';
import { LeaseBrokerConfig } from '../config';
import { BufferedDispatch, DispatchFeeds, giveBack } from '../dispatch/dispatch-feeds';
import { claimTerms } from './worker-protocol';

/**
 * How long the `lease` command may take. Kept well under the worker SDK's
 * claim margin, so a worker gets our answer (or error) rather than a timeout.
 */
export const LEASE_COMMAND_TIMEOUT_MS = 5_000;

/**
 * Serves a claim: takes dispatch messages from the buffer (waiting up to the
 * claim's waitMs), turns them into allocations with ONE `ledger-writer.lease`
 * command, and settles each message by what the ledger said.
 */
@Injectable()
export class ClaimService {
  private readonly logger = new Logger('ClaimService');

  constructor(
    private readonly feeds: DispatchFeeds,
    private readonly client: OrchClient,
    private readonly config: LeaseBrokerConfig,
    private readonly artifacts: ArtifactBuckets,
  ) {}

  async claim(m: Incoming<ClaimRequest>): Promise<ClaimResult> {
    const env = m.envelope;
    const req = m.data;
    const { leaseMs, waitMs } = claimTerms(req, {
      leaseDefaultMs: this.config.LEASE_DEFAULT_MS,
      leaseMaxMs: this.config.LEASE_MAX_MS,
      claimWaitMaxMs: this.config.CLAIM_WAIT_MAX_MS,
    });
    const jobTypes = [...new Set(req.jobTypes)];
    if (jobTypes.length === 0) return { allocations: [] };
    const taken = await this.feeds.take(env.tenant, jobTypes, req.max, waitMs);
    if (taken.length === 0) return { allocations: [] };
    // Before the work goes out: the tenant's workers may publish artifacts but not create the bucket.
    await this.artifacts.ensure(env.tenant);

    let result: LeaseCommandResult;
    try {
      result = await this.client.command<LeaseCommandResult, LeaseCommand>(
        'ledger-writer',
        'lease',
        {
          type: 'ledger.lease',
          tenant: env.tenant,
          project: env.project,
          correlationId: env.correlationId,
          causationId: env.id,
          taskRunnerId: req.workerId,
          data: { workerId: req.workerId, leaseMs, jobs: taken.map((t) => ({ jobId: t.jobId, attempt: t.attempt })) },
        },
        { timeoutMs: LEASE_COMMAND_TIMEOUT_MS },
      );
    } catch (err) {
      // Not leased (or not known to be): the messages go back for the next claim. Should the
      // ledger have committed after all, the redelivery is refused as stale and the lease expires.
      for (const t of taken) giveBack(t.msg);
      throw err;
    }
    return { allocations: this.settle(taken, result) };
  }

  /** Acks every message: leased ones are done, refused ones are stale (the job moved on). */
  private settle(taken: BufferedDispatch[], result: LeaseCommandResult): Allocation[] {
    const byJob = new Map<string, LeaseCommandResult['results'][number][]>();
    for (const r of result.results) byJob.set(r.jobId, [...(byJob.get(r.jobId) ?? []), r]);
    const allocations: Allocation[] = [];
    for (const t of taken) {
      const r = byJob.get(t.jobId)?.shift();
      if (!r) {
        this.logger.error(`lease reply has no result for job ${t.jobId}; returning its dispatch message`);
        giveBack(t.msg);
        continue;
      }
      // A work-queue stream drops a message once acked (server 2.9 keeps term'd ones), so stale ones are acked too.
      t.msg.ack();
      if (r.ok) allocations.push({ ...r.allocation, artifactMaxBytes: this.artifacts.maxBytes });
      else this.logger.debug(`dropped stale dispatch of job ${t.jobId} attempt ${t.attempt}: ${r.reason}`);
    }
    return allocations;
  }
}
