import { EnvelopeInit, JobLimits, JobView, makeEnvelope, OrchError, SubmitBatchCommand, SubmitJobRequest, TransitionReason } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import { payloadBytes } from '../jobs/submit-command';
import type { SubmitBatchRequest } from './submit-batch.request';

/** Idempotency scope of a batch submit: keys are unique per tenant and this scope. */
export const BATCH_SCOPE = 'POST /api/v1/jobs/batch';
/** NATS max_payload assumed when the server has not told us (the server's own default, 1 MiB). */
export const NATS_MAX_PAYLOAD_DEFAULT_BYTES = 1_048_576;
/** Room left under max_payload for NATS headers (trace context) and reply framing. */
export const NATS_HEADROOM_BYTES = 4_096;

/** A batch item with the caller's tenant filled in. */
export type BatchItem = SubmitJobRequest & { tenant: string };

/**
 * The items with the caller's tenant filled in, after the checks a single
 * submit makes per body: an item naming another tenant is 403, a payload over
 * `maxPayloadBytes` serialized is 413; every offending item is listed
 * (`jobs.<i>.tenant`, `jobs.<i>.payload`).
 */
export function batchItems(body: SubmitBatchRequest, tenant: string, maxPayloadBytes: number): BatchItem[] {
  const foreign = body.jobs.flatMap((item, i) =>
    item.tenant !== undefined && item.tenant !== tenant ? [{ path: `jobs.${i}.tenant`, message: 'tenant must be the tenant of the token (or be omitted)' }] : [],
  );
  if (foreign.length > 0) {
    throw new OrchError('forbidden', `${foreign.length} item(s) name a tenant that is not the tenant of the token; omit it or send the token's tenant`, {
      retryable: false,
      errors: foreign,
    });
  }
  const oversized = body.jobs.flatMap((item, i) => {
    const size = payloadBytes(item.payload);
    return size > maxPayloadBytes ? [{ path: `jobs.${i}.payload`, message: `payload is ${size} bytes serialized; it must be at most ${maxPayloadBytes}` }] : [];
  });
  if (oversized.length > 0) {
    throw new OrchError('payloadTooLarge', `${oversized.length} item payload(s) exceed ${maxPayloadBytes} bytes serialized`, { errors: oversized });
  }
  return body.jobs.map((item) => ({ ...item, tenant }));
}

/**
 * The ledger `submit-batch` command. `requestDigest` covers the canonical body
 * with the tenant filled in, so the same key with any other batch is a 409,
 * and items naming their tenant or leaving it out are the same request.
 */
export function buildBatchCommand(items: BatchItem[], idempotencyKey: string): SubmitBatchCommand {
  return { jobs: items, idempotencyKey, requestDigest: digestOf({ jobs: items }), scope: BATCH_SCOPE };
}

/** The envelope project of a batch: its one project, or `*` when it spans several. */
export function batchProject(items: BatchItem[]): string {
  const projects = new Set(items.map((i) => i.project));
  return projects.size === 1 ? items[0].project : '*';
}

const PLACEHOLDER_UUID = '00000000-0000-7000-8000-000000000000';
const PLACEHOLDER_TIME = '2026-01-01T00:00:00.000Z';
const LONGEST_REASON = Object.values(TransitionReason).reduce((a, b) => (b.length > a.length ? b : a));

/**
 * Bytes of the ledger-writer's reply to a fresh batch (`{v,ok,data:{created,jobs}}`,
 * one JobView per item): exact for the caller's fields, an upper bound for the
 * ones the ledger fills (ids, times, digests and reasons have fixed or bounded
 * lengths). Payloads are counted, not serialized again.
 */
export function estimateBatchReplyBytes(items: BatchItem[], idempotencyKey: string, correlationId: string): number {
  let bytes = Buffer.byteLength(JSON.stringify({ v: 1, ok: true, data: { created: false, jobs: [] } }));
  for (const [i, item] of items.entries()) {
    const view: Omit<JobView, 'payload'> & { payload: null } = {
      id: PLACEHOLDER_UUID,
      tenant: item.tenant,
      project: item.project,
      jobType: item.jobType,
      source: item.source ?? null,
      status: 'pending',
      statusReason: LONGEST_REASON,
      throttle: null,
      priority: item.priority ?? JobLimits.priorityDefault,
      payload: null,
      payloadDigest: '0'.repeat(64),
      result: null,
      lastError: null,
      attempt: 1,
      maxAttempts: item.maxAttempts ?? JobLimits.maxAttemptsDefault,
      runAt: item.runAt ? PLACEHOLDER_TIME : null,
      eligibleAt: item.runAt ? PLACEHOLDER_TIME : null,
      lease: null,
      progress: null,
      cancel: null,
      correlationId,
      idempotencyKey: `${idempotencyKey}#${i}`,
      runId: null,
      replayOf: null,
      window: item.window ? { from: PLACEHOLDER_TIME, to: PLACEHOLDER_TIME } : null,
      backfillId: null,
      deadlineAt: null,
      createdAt: PLACEHOLDER_TIME,
      updatedAt: PLACEHOLDER_TIME,
      startedAt: null,
      finishedAt: null,
    };
    // `null` stands in for the payload; a comma separates items.
    bytes += Buffer.byteLength(JSON.stringify(view)) - 'null'.length + payloadBytes(item.payload) + (i > 0 ? 1 : 0);
  }
  return bytes;
}

/** Bytes of the command message itself. */
export function commandBytes<T>(init: EnvelopeInit<T>): number {
  return Buffer.byteLength(JSON.stringify(makeEnvelope(init)));
}

/**
 * Refuses a batch whose command or reply would not fit one NATS message
 * (`max_payload` of the connected server, less {@link NATS_HEADROOM_BYTES}),
 * with 413 naming the limit, before anything is sent: NATS would refuse the
 * message, or worse, the ledger-writer's reply after the jobs were created.
 */
export function assertFitsNats(sizes: { requestBytes: number; replyBytes: number }, maxPayload: number): void {
  const limit = maxPayload - NATS_HEADROOM_BYTES;
  if (Math.max(sizes.requestBytes, sizes.replyBytes) <= limit) return;
  const message =
    `this batch needs a ${sizes.requestBytes}-byte command and a ${sizes.replyBytes}-byte reply (a job view per item) on NATS; ` +
    `the server's max_payload of ${maxPayload} bytes allows ${limit} per message: send fewer or smaller jobs per batch`;
  throw new OrchError('payloadTooLarge', message, { errors: [{ path: 'jobs', message }] });
}
