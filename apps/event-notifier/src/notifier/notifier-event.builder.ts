import { EnvelopeInit, EventType, JobEventData, LedgerEventView, NotifierEvent, notifierIdempotencyKey, OrchNames } from '@orch/contracts';

/** `schemaVersion` of notifier events, also the envelope `type` they travel in. */
export const NOTIFIER_SCHEMA_VERSION = 'orch.event.v1' as const;

/**
 * Facts that may happen several times within one attempt (unlike transitions);
 * their idempotency key carries the ledger sequence so they are not collapsed.
 */
export const REPEATABLE_EVENT_TYPES: ReadonlySet<string> = new Set<string>([EventType.progress, EventType.log, EventType.artifact]);

/** The ledger envelope fields a notifier event takes its provenance from (tenant and project come from the event itself). */
export interface LedgerEventSource {
  /** Envelope id of the ledger event (equals the event id). */
  id: string;
  correlationId: string;
  taskRunnerId?: string;
}

/** A notifier message ready to publish on the NOTIFY stream. */
export interface NotifierMessage {
  subject: string;
  /** `Nats-Msg-Id`: the ledger event id, so a republish is dropped as a duplicate. */
  msgId: string;
  envelope: EnvelopeInit<NotifierEvent>;
}

/**
 * `orch-{eventType}-{jobId}-{attempt}` for transitions; repeatable facts
 * (`job.progress`, `job.log`, `job.artifact`) append `-{ledgerSeq}`.
 */
export function notifierKeyFor(eventType: string, jobId: string, attempt: number, ledgerSeq: number): string {
  const key = notifierIdempotencyKey(eventType, jobId, attempt);
  return REPEATABLE_EVENT_TYPES.has(eventType) ? `${key}-${ledgerSeq}` : key;
}

/**
 * The artifact a `job.artifact` event records, as notifier events carry it (`digest` is
 * `sha256:<hex>`); other events carry none.
 */
function artifactsOf(event: LedgerEventView): NotifierEvent['job']['artifacts'] {
  if (event.eventType !== EventType.artifact) return [];
  const { uri, sha256, mime } = event.data;
  if (typeof uri !== 'string' || typeof sha256 !== 'string' || typeof mime !== 'string') return [];
  return [{ uri, digest: `sha256:${sha256}`, mime }];
}

/** A non-negative finite millisecond figure from event data, in seconds; otherwise null. */
function seconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value / 1000 : null;
}

/**
 * Builds the `orch.event.v1` notifier event of one ledger event. Pure: the
 * same ledger event always gives the same notifier event, so a redelivery
 * reuses `eventId` and `idempotencyKey`. `job` is the job as it was right
 * after the event (the ledger snapshot).
 */
export function buildNotifierEvent(source: LedgerEventSource, data: JobEventData): NotifierEvent {
  const { event, job } = data;
  return {
    schemaVersion: NOTIFIER_SCHEMA_VERSION,
    eventId: event.id,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    idempotencyKey: notifierKeyFor(event.eventType, job.id, event.attempt, event.seq),
    correlationId: source.correlationId,
    tenantId: event.tenant,
    projectId: event.project,
    actor: { subject: event.actor.subject, scopes: [...event.actor.scopes] },
    job: {
      id: job.id,
      type: job.type,
      runId: job.runId ?? null,
      attempt: event.attempt,
      // A failed attempt's events come after the lease was cleared; the lease that ended is in the event data.
      leaseId: job.leaseId ?? (typeof event.data['leaseId'] === 'string' ? event.data['leaseId'] : null),
      taskRunnerId: job.taskRunnerId ?? null,
      status: job.status,
      reason: job.reason ?? null,
      payloadDigest: job.payloadDigest,
      artifacts: artifactsOf(event),
    },
    metrics: {
      durationSeconds: event.eventType === EventType.succeeded ? seconds(event.data['durationMs']) : null,
      // Only a retry's job.queued carries a backoff; a first queueing has none.
      backoffSeconds: event.eventType === EventType.queued ? seconds(event.data['backoffMs']) : null,
      logStreamLagSeconds: null,
    },
    ledgerSeq: event.seq,
  };
}

/**
 * The NOTIFY-stream message for a notifier event: subject
 * `orch.notify.<tenant>.<event_type>`, message id = envelope id = event id.
 */
export function notifierMessage(names: OrchNames, source: LedgerEventSource, event: NotifierEvent): NotifierMessage {
  const taskRunnerId = event.job.taskRunnerId ?? source.taskRunnerId;
  return {
    subject: names.notify(event.tenantId, event.eventType),
    msgId: event.eventId,
    envelope: {
      id: event.eventId,
      type: NOTIFIER_SCHEMA_VERSION,
      tenant: event.tenantId,
      project: event.projectId,
      correlationId: event.correlationId,
      causationId: source.id,
      jobType: event.job.type,
      ...(taskRunnerId ? { taskRunnerId } : {}),
      data: event,
    },
  };
}
