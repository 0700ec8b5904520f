import { orchNames } from '@orch/contracts';
import { buildNotifierEvent, notifierKeyFor, notifierMessage } from './notifier-event.builder';
import { ledgerEnvelope } from './test-fixtures';

describe('buildNotifierEvent', () => {
  it('maps every field of a ledger event to the orch.event.v1 shape', () => {
    const env = ledgerEnvelope();
    expect(buildNotifierEvent(env, env.data)).toEqual({
      schemaVersion: 'orch.event.v1',
      eventId: '0192f0a0-0000-7000-8000-00000000e001',
      eventType: 'job.running',
      occurredAt: '2026-11-23T10:00:00.000Z',
      idempotencyKey: 'orch-job.running-0192f0a0-0000-7000-8000-00000000a001-2',
      correlationId: 'corr-9',
      tenantId: 'acme',
      projectId: 'ingest',
      actor: { subject: 'worker:w-7', scopes: ['orch:work'] },
      job: {
        id: '0192f0a0-0000-7000-8000-00000000a001',
        type: 'demo.echo',
        runId: null,
        attempt: 2,
        leaseId: '0192f0a0-0000-4000-8000-00000000b001',
        taskRunnerId: 'w-7',
        status: 'running',
        reason: 'started',
        payloadDigest: 'c'.repeat(64),
        artifacts: [],
      },
      metrics: { durationSeconds: null, backoffSeconds: null, logStreamLagSeconds: null },
      ledgerSeq: 42,
    });
  });

  it('gives the same event for the same ledger event, so a redelivery reuses both ids', () => {
    const env = ledgerEnvelope();
    const a = buildNotifierEvent(env, env.data);
    const b = buildNotifierEvent(env, structuredClone(env.data));
    expect(b).toEqual(a);
    expect([b.eventId, b.idempotencyKey]).toEqual([a.eventId, a.idempotencyKey]);
  });

  it('uses the attempt of the event in the key, so a retry gets a new queued key', () => {
    const env = ledgerEnvelope({ event: { eventType: 'job.queued', attempt: 3, data: { backoffMs: 2500 } }, job: { status: 'queued', attempt: 3 } });
    expect(buildNotifierEvent(env, env.data).idempotencyKey).toBe('orch-job.queued-0192f0a0-0000-7000-8000-00000000a001-3');
  });

  it('suffixes job.progress keys with the ledger sequence so progress events of one attempt stay distinct', () => {
    const first = ledgerEnvelope({ event: { eventType: 'job.progress', seq: 10, data: { percent: 10 } } });
    const second = ledgerEnvelope({ event: { eventType: 'job.progress', seq: 11, data: { percent: 60 } } });
    const k1 = buildNotifierEvent(first, first.data).idempotencyKey;
    const k2 = buildNotifierEvent(second, second.data).idempotencyKey;
    expect(k1).toBe('orch-job.progress-0192f0a0-0000-7000-8000-00000000a001-2-10');
    expect(k2).toBe('orch-job.progress-0192f0a0-0000-7000-8000-00000000a001-2-11');
  });

  it.each([
    ['job.created', 'orch-job.created-J-1'],
    ['job.queued', 'orch-job.queued-J-1'],
    ['job.leased', 'orch-job.leased-J-1'],
    ['job.succeeded', 'orch-job.succeeded-J-1'],
    ['job.failed', 'orch-job.failed-J-1'],
    ['job.dead_lettered', 'orch-job.dead_lettered-J-1'],
    ['job.log', 'orch-job.log-J-1-7'],
    ['job.artifact', 'orch-job.artifact-J-1-7'],
  ])('keys %s as %s', (eventType, key) => {
    expect(notifierKeyFor(eventType, 'J', 1, 7)).toBe(key);
  });

  it('carries the artifact of a job.artifact event (uri, sha256 digest, mime), and none on other events', () => {
    const data = { name: 'r.txt', uri: 'nats-obj://orch_artifacts_acme/J/2/r.txt', sha256: 'd'.repeat(64), size: 3, mime: 'text/plain' };
    const env = ledgerEnvelope({ event: { eventType: 'job.artifact', seq: 12, data } });
    expect(buildNotifierEvent(env, env.data).job.artifacts).toEqual([{ uri: data.uri, digest: `sha256:${'d'.repeat(64)}`, mime: 'text/plain' }]);
    const odd = ledgerEnvelope({ event: { eventType: 'job.artifact', data: { name: 'r.txt' } } });
    expect(buildNotifierEvent(odd, odd.data).job.artifacts).toEqual([]);
    const progress = ledgerEnvelope({ event: { eventType: 'job.progress', data } });
    expect(buildNotifierEvent(progress, progress.data).job.artifacts).toEqual([]);
  });

  it('reports the duration of a succeeded job in seconds', () => {
    const env = ledgerEnvelope({ event: { eventType: 'job.succeeded', data: { durationMs: 1534, leaseId: null } }, job: { status: 'succeeded' } });
    expect(buildNotifierEvent(env, env.data).metrics).toEqual({ durationSeconds: 1.534, backoffSeconds: null, logStreamLagSeconds: null });
  });

  it("reports a retry's backoff in seconds on its job.queued", () => {
    const env = ledgerEnvelope({ event: { eventType: 'job.queued', data: { reason: 'retry_backoff', backoffMs: 250 } }, job: { status: 'queued' } });
    expect(buildNotifierEvent(env, env.data).metrics).toEqual({ durationSeconds: null, backoffSeconds: 0.25, logStreamLagSeconds: null });
  });

  it('leaves metrics null where the event carries none or a nonsensical figure', () => {
    const firstQueue = ledgerEnvelope({ event: { eventType: 'job.queued', data: { reason: 'submitted' } } });
    expect(buildNotifierEvent(firstQueue, firstQueue.data).metrics.backoffSeconds).toBeNull();
    const negative = ledgerEnvelope({ event: { eventType: 'job.succeeded', data: { durationMs: -5 } } });
    expect(buildNotifierEvent(negative, negative.data).metrics.durationSeconds).toBeNull();
    const text = ledgerEnvelope({ event: { eventType: 'job.succeeded', data: { durationMs: '1000' } } });
    expect(buildNotifierEvent(text, text.data).metrics.durationSeconds).toBeNull();
    // durationMs on another event type is not a job duration.
    const failed = ledgerEnvelope({ event: { eventType: 'job.failed', data: { durationMs: 1000 } } });
    expect(buildNotifierEvent(failed, failed.data).metrics.durationSeconds).toBeNull();
  });

  it('normalises absent nullable job fields to null', () => {
    const env = ledgerEnvelope({ event: { data: {} }, job: { leaseId: undefined as unknown as null, taskRunnerId: undefined as unknown as null, reason: undefined as unknown as null } });
    const job = buildNotifierEvent(env, env.data).job;
    expect([job.leaseId, job.taskRunnerId, job.reason]).toEqual([null, null, null]);
  });

  it('names the lease that ended on a failed attempt, which the job snapshot no longer holds', () => {
    const env = ledgerEnvelope({
      event: { eventType: 'job.queued', data: { reason: 'retry_backoff', leaseId: 'L-9', backoffMs: 100 } },
      job: { status: 'queued', leaseId: null },
    });
    expect(buildNotifierEvent(env, env.data).job.leaseId).toBe('L-9');
  });

  it('copies the actor scopes instead of sharing the array', () => {
    const env = ledgerEnvelope();
    const ev = buildNotifierEvent(env, env.data);
    env.data.event.actor.scopes.push('orch:admin');
    expect(ev.actor.scopes).toEqual(['orch:work']);
  });
});

describe('notifierMessage', () => {
  const names = orchNames('orch');

  it('addresses orch.notify.<tenant>.<event_type> with the event id as message id and provenance in the envelope', () => {
    const env = ledgerEnvelope({ event: { eventType: 'job.timed_out' }, job: { status: 'timed_out' } });
    const event = buildNotifierEvent(env, env.data);
    expect(notifierMessage(names, env, event)).toEqual({
      subject: 'orch.notify.acme.job_timed_out',
      msgId: event.eventId,
      envelope: {
        id: event.eventId,
        type: 'orch.event.v1',
        tenant: 'acme',
        project: 'ingest',
        correlationId: 'corr-9',
        causationId: env.id,
        jobType: 'demo.echo',
        taskRunnerId: 'w-7',
        data: event,
      },
    });
  });

  it('leaves taskRunnerId out before a worker is involved', () => {
    const env = { ...ledgerEnvelope({ event: { eventType: 'job.created' }, job: { taskRunnerId: null, leaseId: null, status: 'pending' } }), taskRunnerId: undefined };
    const msg = notifierMessage(names, env, buildNotifierEvent(env, env.data));
    expect(msg.envelope).not.toHaveProperty('taskRunnerId');
  });
});
