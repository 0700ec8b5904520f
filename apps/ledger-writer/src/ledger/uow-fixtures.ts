// Test fixtures for the command appliers: an in-memory UnitOfWork as the group
// commit would build it (jobs preloaded, heads locked), without a database.
import { JobStatus, OperatorContext, orchNames } from '@orch/contracts';
import { GENESIS_HASH } from '@orch/domain';
import type { ChainHead, IdempotencyRecord, JobRow } from '@orch/persistence';
import { idempotencyMapKey } from '@orch/persistence';
import { LedgerPolicy } from './command-support';
import { CommandContext, UnitOfWork } from './unit-of-work';

export const T0 = new Date('2026-11-23T10:00:00.000Z');
export const TENANT = 'acme';

export const policy: LedgerPolicy = {
  backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0 },
  heartbeatFraction: 1 / 3,
  cancelGraceMs: 5_000,
  random: () => 0.5,
};

export const operator: OperatorContext = { subject: 'alice', scopes: ['orch:operate'], reason: 'upstream is down', ticket: 'OPS-7' };

export const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  envelopeId: 'env-1',
  tenant: TENANT,
  correlationId: 'corr-1',
  actor: { subject: operator.subject, scopes: operator.scopes },
  traceHeaders: {},
  ...over,
});

let n = 0;
/** A job row of TENANT in `status` (leased/running ones hold lease L1, token 1, expiring in 30 s). */
export function jobRow(status: JobStatus, over: Partial<JobRow> = {}): JobRow {
  n += 1;
  const leased = status === JobStatus.leased || status === JobStatus.running;
  return {
    id: `0192f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    tenant: TENANT,
    project: 'p1',
    jobType: 'demo.echo',
    source: null,
    throttle: null,
    status,
    statusReason: null,
    priority: 5,
    payload: {},
    payloadDigest: '0'.repeat(64),
    result: null,
    lastError: null,
    attempt: 1,
    maxAttempts: 3,
    runAt: null,
    eligibleAt: null,
    admittedAttempt: leased ? 1 : null,
    leaseId: leased ? '0192f0a0-0000-7000-8000-0000000000aa' : null,
    fencingToken: leased ? 1 : 0,
    leaseExpiresAt: leased ? new Date(T0.getTime() + 30_000) : null,
    leaseMs: leased ? 30_000 : null,
    workerId: leased ? 'w1' : null,
    progressPercent: null,
    progressMessage: null,
    correlationId: 'corr-job',
    idempotencyKey: `k${n}`,
    runId: null,
    replayOf: null,
    backfillId: null,
    windowFrom: null,
    windowTo: null,
    createdAt: T0,
    updatedAt: T0,
    startedAt: null,
    finishedAt: null,
    cancelRequestedAt: null,
    cancelReason: null,
    cancelDeadline: null,
    deadlineAt: null,
    ...over,
  };
}

/** A unit of work at `now` over `jobs`, with genesis heads for TENANT and the given idempotency records. */
export function unitOfWork(jobs: JobRow[], now: Date = T0, records: IdempotencyRecord[] = []): UnitOfWork {
  const head = (): Map<string, ChainHead> => new Map([[TENANT, { tenant: TENANT, seq: 0, hash: GENESIS_HASH }]]);
  return new UnitOfWork(
    now,
    orchNames('orch'),
    new Map(jobs.map((j) => [j.id, j])),
    head(),
    new Map(records.map((r) => [idempotencyMapKey(r.tenant, r.scope, r.key), r])),
    head(),
  );
}

/** The fence of a leased job row. */
export const fenceOf = (job: JobRow) => ({ jobId: job.id, leaseId: job.leaseId!, fencingToken: job.fencingToken });
