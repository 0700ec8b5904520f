import { Logger } from '@nestjs/common';
import {
  AdmissionCandidate,
  AdmitCommand,
  AdmitResult,
  PromoteCommand,
  PromoteResult,
  RateLimitAdmitCommand,
  RateLimitAdmitResult,
  ServiceName,
  ThrottleCommand,
  ThrottleResult,
} from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { AdmittableJob, LedgerReader, Queryable } from '@orch/persistence';
import { runWithContext } from '@orch/telemetry';
import { v7 as uuidv7 } from 'uuid';
import type { PassOutcome } from './admission-loop';
import { groupByTenant } from './tenant-groups';

/** How long a pass waits for the rate-limiter or the ledger-writer before retrying on the next trigger. */
export const ADMISSION_COMMAND_TIMEOUT_MS = 5_000;

/** Pass settings. */
export interface AdmissionPassOptions {
  /** Most jobs read per query (promote and admit each). */
  batch: number;
  commandTimeoutMs: number;
}

/** What one step (promote or admit) of a pass did. */
interface StepResult {
  /** The query returned a full batch: more may be waiting. */
  full: boolean;
  /** Jobs that left the candidate set (promoted, admitted, or skipped because already handled). */
  settled: number;
  /** Tenants whose commands failed. */
  failedTenants: number;
}

/**
 * One admission pass over the ledger (read-only): promotes pending jobs whose
 * runAt has come, then admits due queued attempts — per tenant, the
 * rate-limiter decides and the ledger-writer records the admission and
 * publishes the one dispatch message. Duplicates from several replicas are
 * harmless: the ledger-writer skips attempts already admitted.
 */
export class AdmissionPass {
  private readonly logger = new Logger('AdmissionPass');

  constructor(
    private readonly db: Queryable,
    private readonly reader: LedgerReader,
    private readonly client: OrchClient,
    private readonly options: AdmissionPassOptions,
  ) {}

  /** Runs one pass; dependency failures are logged and reported, not thrown. */
  run(): Promise<PassOutcome> {
    const correlationId = `sched-${uuidv7()}`;
    return runWithContext({ correlationId }, async () => {
      const promoted = await this.promoteDue(correlationId);
      const admitted = await this.admitDue(correlationId);
      const failed = promoted.failedTenants + admitted.failedTenants > 0;
      const more = [promoted, admitted].some((s) => s.full && s.settled > 0);
      const nextDueAt = more || failed ? null : await this.reader.nextDueAt(this.db, new Date());
      return { more, failed, nextDueAt };
    });
  }

  /** Pending jobs whose runAt has come → `ledger-writer.promote`, per tenant. */
  private async promoteDue(correlationId: string): Promise<StepResult> {
    const due = await this.reader.findDuePending(this.db, new Date(), this.options.batch);
    const results = await Promise.allSettled(
      [...groupByTenant(due)].map(([tenant, jobs]) =>
        this.command<PromoteResult, PromoteCommand>('ledger-writer', 'promote', tenant, correlationId, { jobIds: jobs.map((j) => j.id) }),
      ),
    );
    const promoted = fulfilled(results).reduce((n, r) => n + r.promoted.length, 0);
    return { full: due.length >= this.options.batch, settled: promoted, failedTenants: this.logFailures('promote', results) };
  }

  /** Due queued attempts → `rate-limiter.admit` → `ledger-writer.admit` with the allowed ones, per tenant. */
  private async admitDue(correlationId: string): Promise<StepResult> {
    const jobs = await this.reader.findAdmittable(this.db, new Date(), this.options.batch);
    const results = await Promise.allSettled([...groupByTenant(jobs)].map(([tenant, group]) => this.admitTenant(tenant, group, correlationId)));
    const settled = fulfilled(results).reduce((n, r) => n + r, 0);
    return { full: jobs.length >= this.options.batch, settled, failedTenants: this.logFailures('admit', results) };
  }

  /**
   * Returns how many of the tenant's jobs changed hands: admitted (or skipped by
   * the ledger as already handled) or newly throttled. A job the rate-limiter
   * holds back is recorded `throttled` with the reason and its next eligible
   * time; an unchanged hold writes nothing, so re-offering it costs no event.
   */
  private async admitTenant(tenant: string, jobs: AdmittableJob[], correlationId: string): Promise<number> {
    const candidates: AdmissionCandidate[] = jobs.map((j) => ({
      jobId: j.id,
      attempt: j.attempt,
      project: j.project,
      jobType: j.jobType,
      source: j.source,
      priority: j.priority,
    }));
    const decision = await this.command<RateLimitAdmitResult, RateLimitAdmitCommand>('rate-limiter', 'admit', tenant, correlationId, { jobs: candidates });
    let settled = 0;
    if (decision.throttled.length > 0) {
      const held: ThrottleCommand = {
        jobs: decision.throttled.map((t) => ({ jobId: t.jobId, attempt: t.attempt, reason: t.reason, nextEligibleAt: t.nextEligibleAt })),
      };
      const result = await this.command<ThrottleResult, ThrottleCommand>('ledger-writer', 'throttle', tenant, correlationId, held);
      settled += result.throttled.length;
    }
    const allowed = new Set(decision.allowed);
    const items = candidates.filter((c) => allowed.has(c.jobId)).map((c) => ({ jobId: c.jobId, attempt: c.attempt }));
    if (items.length === 0) return settled;
    const result = await this.command<AdmitResult, AdmitCommand>('ledger-writer', 'admit', tenant, correlationId, { jobs: items });
    return settled + result.admitted.length + result.skipped.length;
  }

  private command<TRes, TReq>(service: ServiceName, verb: string, tenant: string, correlationId: string, data: TReq): Promise<TRes> {
    const type = `${service.replace(/-/g, '')}.${verb}`;
    // One command spans every project of the tenant.
    return this.client.command<TRes, TReq>(service, verb, { type, tenant, project: '*', correlationId, data }, { timeoutMs: this.options.commandTimeoutMs });
  }

  /** One warning per step and pass, so a dependency outage logs a line per poll, not per tenant. */
  private logFailures(step: string, results: PromiseSettledResult<unknown>[]): number {
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      const reason = failures[0].reason as Error;
      this.logger.warn(`${step} failed for ${failures.length} tenant(s), retrying on the next trigger: ${reason?.message ?? String(reason)}`);
    }
    return failures.length;
  }
}

function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
}
