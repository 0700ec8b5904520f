import { encodeJson, JobView, makeEnvelope, OrchError, SubmitJobRequest } from '@orch/contracts';
import { digestOf } from '@orch/domain';
import {
  assertFitsNats,
  BATCH_SCOPE,
  batchItems,
  batchProject,
  buildBatchCommand,
  commandBytes,
  estimateBatchReplyBytes,
  NATS_HEADROOM_BYTES,
} from './batch-command';

const item = (i: number, extra: Partial<SubmitJobRequest> = {}): SubmitJobRequest => ({ project: 'p1', jobType: 'demo.echo', payload: { i }, ...extra });

function refusal(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrchError) return err;
    throw err;
  }
  throw new Error('expected an OrchError');
}

describe('batch items', () => {
  it("fills in the caller's tenant and accepts items that already name it", () => {
    expect(batchItems({ jobs: [item(0), item(1, { tenant: 'acme' })] }, 'acme', 1_000)).toEqual([
      { ...item(0), tenant: 'acme' },
      { ...item(1), tenant: 'acme' },
    ]);
  });

  it('refuses items naming another tenant with 403, listing each by index', () => {
    const err = refusal(() => batchItems({ jobs: [item(0, { tenant: 'other' }), item(1), item(2, { tenant: 'x' })] }, 'acme', 1_000));
    expect(err).toMatchObject({ code: 'forbidden', status: 403 });
    expect(err.errors?.map((e) => e.path)).toEqual(['jobs.0.tenant', 'jobs.2.tenant']);
  });

  it('refuses items whose payload exceeds the limit with 413, listing each by index', () => {
    const err = refusal(() => batchItems({ jobs: [item(0), item(1, { payload: { s: 'x'.repeat(100) } })] }, 'acme', 50));
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(err.errors?.map((e) => e.path)).toEqual(['jobs.1.payload']);
  });
});

describe('batch command', () => {
  it('digests the body with the tenant filled in, so naming the tenant or not is the same request', () => {
    const named = buildBatchCommand(batchItems({ jobs: [item(0, { tenant: 'acme' })] }, 'acme', 1_000), 'k1');
    const omitted = buildBatchCommand(batchItems({ jobs: [item(0)] }, 'acme', 1_000), 'k1');
    expect(named).toEqual(omitted);
    expect(named).toMatchObject({ idempotencyKey: 'k1', scope: BATCH_SCOPE, requestDigest: digestOf({ jobs: [{ ...item(0), tenant: 'acme' }] }) });
    const other = buildBatchCommand(batchItems({ jobs: [item(1)] }, 'acme', 1_000), 'k1');
    expect(other.requestDigest).not.toBe(named.requestDigest);
  });

  it('names the one project in the envelope, or * for several', () => {
    expect(batchProject([{ ...item(0), tenant: 'a' }, { ...item(1), tenant: 'a' }])).toBe('p1');
    expect(batchProject([{ ...item(0), tenant: 'a' }, { ...item(1, { project: 'p2' }), tenant: 'a' }])).toBe('*');
  });
});

describe('NATS message sizes', () => {
  it('estimates the reply at or above the size of real job views of the same items', () => {
    const items = batchItems({ jobs: [item(0), item(1, { runAt: '2027-01-01T00:00:00Z', priority: 9, maxAttempts: 100, source: 'nvd', window: { from: '2026-11-01T00:00:00Z', to: '2026-11-01T01:00:00Z' } }), item(2, { payload: { s: 'é'.repeat(300) } })] }, 'acme', 10_000);
    const views: JobView[] = items.map((it, i) => ({
      id: '01a20811-97c3-729a-8789-0221c6ba0062',
      tenant: it.tenant,
      project: it.project,
      jobType: it.jobType,
      source: it.source ?? null,
      throttle: null,
      status: it.runAt ? 'pending' : 'queued',
      statusReason: it.runAt ? 'waiting_run_at' : 'submitted',
      priority: it.priority ?? 5,
      payload: it.payload,
      payloadDigest: 'a'.repeat(64),
      result: null,
      lastError: null,
      attempt: 1,
      maxAttempts: it.maxAttempts ?? 3,
      runAt: it.runAt ? '2027-01-01T00:00:00.000Z' : null,
      eligibleAt: it.runAt ? '2027-01-01T00:00:00.000Z' : null,
      lease: null,
      progress: null,
      cancel: null,
      correlationId: 'corr-1',
      idempotencyKey: `key-1#${i}`,
      runId: null,
      replayOf: null,
      window: it.window ? { from: new Date(it.window.from).toISOString(), to: new Date(it.window.to).toISOString() } : null,
      backfillId: null,
      deadlineAt: null,
      createdAt: '2026-11-23T10:00:00.123Z',
      updatedAt: '2026-11-23T10:00:00.123Z',
      startedAt: null,
      finishedAt: null,
    }));
    const actual = encodeJson({ v: 1, ok: true, data: { created: true, jobs: views } }).length;
    const estimate = estimateBatchReplyBytes(items, 'key-1', 'corr-1');
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate - actual).toBeLessThan(100);
  });

  it('measures the command as the encoded envelope', () => {
    const init = { type: 'ledger.submit-batch', tenant: 'acme', project: 'p1', correlationId: 'c', data: { jobs: [item(0)] } };
    expect(commandBytes(init)).toBe(encodeJson(makeEnvelope(init)).length);
  });

  it('lets a batch through up to max_payload less the headroom, and refuses one byte more with 413 naming the limit', () => {
    const max = 1_048_576;
    expect(() => assertFitsNats({ requestBytes: max - NATS_HEADROOM_BYTES, replyBytes: 10 }, max)).not.toThrow();
    const request = refusal(() => assertFitsNats({ requestBytes: max - NATS_HEADROOM_BYTES + 1, replyBytes: 10 }, max));
    expect(request).toMatchObject({ code: 'payload_too_large', status: 413, errors: [{ path: 'jobs' }] });
    expect(request.message).toBe(
      `this batch needs a ${max - NATS_HEADROOM_BYTES + 1}-byte command and a 10-byte reply (a job view per item) on NATS; ` +
        `the server's max_payload of ${max} bytes allows ${max - NATS_HEADROOM_BYTES} per message: send fewer or smaller jobs per batch`,
    );
    expect(() => assertFitsNats({ requestBytes: 10, replyBytes: max - NATS_HEADROOM_BYTES + 1 }, max)).toThrow(/max_payload/);
  });
});
