import type { Actor, LedgerEventView } from './jobs';
import type { JobStatus } from './job-status';

/** The job as it was right after a ledger event; carried on `orch.evt.*`. */
export interface JobSnapshot {
  id: string;
  type: string;
  /** The job's upstream source (limits and breakers key on it); absent in events of releases before it was carried. */
  source?: string | null;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  leaseId: string | null;
  taskRunnerId: string | null;
  runId: string | null;
  reason: string | null;
  payloadDigest: string;
  createdAt: string;
  eligibleAt: string | null;
}

/** `data` of an envelope on `orch.evt.<tenant>.<jobType>.<event>`. */
export interface JobEventData {
  event: LedgerEventView;
  job: JobSnapshot;
}

/** Notifier envelope, `orch.event.v1` (docs/architecture.md#notifier-events). */
export interface NotifierEvent {
  schemaVersion: 'orch.event.v1';
  eventId: string;
  eventType: string;
  occurredAt: string;
  idempotencyKey: string;
  correlationId: string;
  tenantId: string;
  projectId: string;
  actor: Actor;
  job: {
    id: string;
    type: string;
    runId: string | null;
    attempt: number;
    leaseId: string | null;
    taskRunnerId: string | null;
    status: JobStatus;
    reason: string | null;
    payloadDigest: string;
    artifacts: { uri: string; digest: string; mime: string }[];
  };
  metrics: {
    durationSeconds: number | null;
    backoffSeconds: number | null;
    logStreamLagSeconds: number | null;
  };
  /** Ledger position (tenant chain sequence) the event came from. */
  ledgerSeq: number;
}

/** `orch-{eventType}-{jobId}-{attempt}`; a redelivery reuses it. */
export function notifierIdempotencyKey(eventType: string, jobId: string, attempt: number): string {
  return `orch-${eventType}-${jobId}-${attempt}`;
}
