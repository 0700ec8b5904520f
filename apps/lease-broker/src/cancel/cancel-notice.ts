import { CANCEL_NOTICE_TYPE, CancelNotice, Envelope, EnvelopeInit, EventType, JobEventData, OrchError, OrchNames } from '@orch/contracts';
import { isISO8601, isUUID } from 'class-validator';

/** A cancel notice ready to publish (core NATS). */
export interface CancelNoticeMessage {
  subject: string;
  envelope: EnvelopeInit<CancelNotice>;
}

/**
 * The cancel notice for a `job.cancel_requested` ledger event: an envelope of
 * type `job.cancel` on `<ns>.cancel.<tenant>.<jobId>`, caused by the event, in
 * the job's correlation. @throws OrchError `validation_failed` for an event
 * that is not a well-formed cancel request (dropped by the caller).
 */
export function cancelNoticeFor(names: OrchNames, env: Envelope<unknown>): CancelNoticeMessage {
  if (env.type !== EventType.cancelRequested) throw invalid(`expected a ${EventType.cancelRequested} event, got ${env.type}`);
  const event = (env.data as Partial<JobEventData> | undefined)?.event;
  const data = (event?.data ?? {}) as { reason?: unknown; deadline?: unknown };
  const jobId = event?.jobId;
  if (typeof jobId !== 'string' || !isUUID(jobId)) throw invalid('event.jobId must be a UUID');
  if (event?.tenant !== env.tenant) throw invalid('event.tenant differs from the envelope tenant');
  if (typeof data.reason !== 'string') throw invalid('event.data.reason must be a string');
  if (typeof data.deadline !== 'string' || !isISO8601(data.deadline, { strict: true })) throw invalid('event.data.deadline must be an ISO 8601 time');
  return {
    subject: names.cancel(env.tenant, jobId),
    envelope: {
      type: CANCEL_NOTICE_TYPE,
      tenant: env.tenant,
      project: env.project,
      correlationId: env.correlationId,
      causationId: env.id,
      ...(env.jobType ? { jobType: env.jobType } : {}),
      data: { jobId, reason: data.reason, deadline: data.deadline },
    },
  };
}

function invalid(detail: string): OrchError {
  return new OrchError('validation', `cancel request event: ${detail}`, { retryable: false });
}
