/**
 * Helpers for the event-notifier integration tests: driving the ledger-writer
 * through its commands. Stream readers and the SSE/WebSocket clients live in
 * `@orch/testing` (the end-to-end tests use them too).
 */
import { Allocation, FailResult, JobView, LeaseCommandResult, SubmitJobCommand, SubmitJobResult } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';

/** A job to submit. */
export interface JobSpec {
  tenant: string;
  project: string;
  jobType: string;
  correlationId: string;
  maxAttempts?: number;
}

/** Drives the ledger-writer the way api, scheduler and lease-broker do. */
export class LedgerDriver {
  private keys = 0;

  constructor(private readonly client: OrchClient) {}

  async submit(spec: JobSpec): Promise<JobView> {
    const body = { tenant: spec.tenant, project: spec.project, jobType: spec.jobType, payload: { n: this.keys }, ...(spec.maxAttempts ? { maxAttempts: spec.maxAttempts } : {}) };
    const data: SubmitJobCommand = { ...body, idempotencyKey: `key-${spec.correlationId}-${this.keys++}`, requestDigest: digestOf(body), scope: 'POST /api/v1/jobs' };
    const r = await this.client.command<SubmitJobResult>('ledger-writer', 'submit', {
      type: 'ledger.submit',
      tenant: spec.tenant,
      project: spec.project,
      correlationId: spec.correlationId,
      data,
    });
    return r.job;
  }

  /** admit → lease (by `workerId`) → start: the job is running. */
  async runToRunning(job: JobView, workerId: string): Promise<Allocation> {
    const base = { tenant: job.tenant, project: job.project, correlationId: job.correlationId, jobType: job.jobType };
    await this.client.command('ledger-writer', 'admit', { ...base, type: 'ledger.admit', data: { jobs: [{ jobId: job.id, attempt: job.attempt }] } });
    const leased = await this.client.command<LeaseCommandResult>('ledger-writer', 'lease', {
      ...base,
      type: 'ledger.lease',
      taskRunnerId: workerId,
      data: { workerId, leaseMs: 60_000, jobs: [{ jobId: job.id, attempt: job.attempt }] },
    });
    const result = leased.results[0];
    if (!result?.ok) throw new Error(`lease refused: ${JSON.stringify(result)}`);
    await this.worker('start', result.allocation, workerId, {});
    return result.allocation;
  }

  async progress(a: Allocation, workerId: string, percent: number): Promise<void> {
    await this.worker('progress', a, workerId, { percent, message: `at ${percent}%` });
  }

  async complete(a: Allocation, workerId: string): Promise<void> {
    await this.worker('complete', a, workerId, { result: { ok: true } });
  }

  async fail(a: Allocation, workerId: string): Promise<FailResult> {
    return this.worker<FailResult>('fail', a, workerId, { error: { code: 'upstream_503', message: 'upstream unavailable', retryable: true } });
  }

  private worker<T>(verb: string, a: Allocation, workerId: string, extra: Record<string, unknown>): Promise<T> {
    return this.client.command<T>('ledger-writer', verb, {
      type: `ledger.${verb}`,
      tenant: a.tenant,
      project: a.project,
      correlationId: a.correlationId,
      jobType: a.jobType,
      taskRunnerId: workerId,
      data: { jobId: a.jobId, leaseId: a.leaseId, fencingToken: a.fencingToken, ...extra },
    });
  }
}
