import type { JobEventData } from '@orch/contracts';

/** A ledger event envelope as the ledger-writer publishes it (unit tests). */
export function ledgerEnvelope(overrides: { event?: Partial<JobEventData['event']>; job?: Partial<JobEventData['job']> } = {}) {
  const data: JobEventData = {
    event: {
      id: '0192f0a0-0000-7000-8000-00000000e001',
      tenant: 'acme',
      seq: 42,
      project: 'ingest',
      jobId: '0192f0a0-0000-7000-8000-00000000a001',
      eventType: 'job.running',
      attempt: 2,
      occurredAt: '2026-11-23T10:00:00.000Z',
      actor: { subject: 'worker:w-7', scopes: ['orch:work'] },
      data: { leaseId: '0192f0a0-0000-4000-8000-00000000b001', workerId: 'w-7' },
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
      ...overrides.event,
    },
    job: {
      id: '0192f0a0-0000-7000-8000-00000000a001',
      type: 'demo.echo',
      status: 'running',
      attempt: 2,
      maxAttempts: 3,
      priority: 5,
      leaseId: '0192f0a0-0000-4000-8000-00000000b001',
      taskRunnerId: 'w-7',
      runId: null,
      reason: 'started',
      payloadDigest: 'c'.repeat(64),
      createdAt: '2026-11-23T09:59:00.000Z',
      eligibleAt: null,
      ...overrides.job,
    },
  };
  return {
    v: 1 as const,
    id: data.event.id,
    type: data.event.eventType,
    ts: data.event.occurredAt,
    tenant: data.event.tenant,
    project: data.event.project,
    correlationId: 'corr-9',
    causationId: '0192f0a0-0000-7000-8000-00000000c001',
    jobType: data.job.type,
    taskRunnerId: 'w-7',
    data,
  };
}
