import { OrchError } from '@orch/contracts';
import { parseJobEventData } from './ledger-event.parser';
import { ledgerEnvelope } from './test-fixtures';

function rejection(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrchError) return err;
    throw err;
  }
  throw new Error('expected an OrchError');
}

describe('parseJobEventData', () => {
  it('accepts the data of a ledger event envelope', () => {
    const env = ledgerEnvelope();
    expect(parseJobEventData(env, env.data)).toBe(env.data);
  });

  it('tolerates fields it does not use, so the ledger can grow its snapshot', () => {
    const env = ledgerEnvelope({ job: { futureField: 1 } as never });
    expect(() => parseJobEventData(env, env.data)).not.toThrow();
  });

  it.each([
    ['a non-object', 'nope'],
    ['an array', []],
    ['null', null],
  ])('refuses %s as not retryable', (_what, data) => {
    const err = rejection(() => parseJobEventData(ledgerEnvelope(), data));
    expect(err).toMatchObject({ code: 'validation_failed', retryable: false });
  });

  it.each([
    ['a missing job', (d: Record<string, unknown>) => delete d['job'], 'job'],
    ['a missing event seq', (d: { event: Record<string, unknown> }) => delete d.event['seq'], 'event.seq'],
    ['a missing event project', (d: { event: Record<string, unknown> }) => delete d.event['project'], 'event.project'],
    ['a zero attempt', (d: { event: Record<string, unknown> }) => (d.event['attempt'] = 0), 'event.attempt'],
    ['an unknown status', (d: { job: Record<string, unknown> }) => (d.job['status'] = 'exploded'), 'job.status'],
    ['a wildcard event type', (d: { event: Record<string, unknown> }) => (d.event['eventType'] = 'job.>'), 'event.eventType'],
    ['a numeric lease id', (d: { job: Record<string, unknown> }) => (d.job['leaseId'] = 5), 'job.leaseId'],
    ['actor scopes that are not strings', (d: { event: { actor: Record<string, unknown> } }) => (d.event.actor['scopes'] = [1]), 'event.actor.scopes'],
    ['a non-ISO occurredAt', (d: { event: Record<string, unknown> }) => (d.event['occurredAt'] = 'yesterday'), 'event.occurredAt'],
  ])('refuses %s and names the field', (_what, mutate, path) => {
    const env = ledgerEnvelope();
    const data = structuredClone(env.data) as never;
    (mutate as (d: unknown) => void)(data);
    const err = rejection(() => parseJobEventData(env, data));
    expect(err).toMatchObject({ code: 'validation_failed', retryable: false });
    expect(err.message).toContain(path);
  });

  it('refuses data that disagrees with its envelope or with itself', () => {
    const env = ledgerEnvelope();
    expect(rejection(() => parseJobEventData({ ...env, type: 'job.queued' }, env.data)).message).toMatch(/differs from envelope type/);
    expect(rejection(() => parseJobEventData({ ...env, tenant: 'other' }, env.data)).message).toMatch(/differs from envelope tenant/);
    expect(rejection(() => parseJobEventData({ ...env, project: 'other' }, env.data)).message).toMatch(/differs from envelope project/);
    const mismatched = ledgerEnvelope({ job: { id: '0192f0a0-0000-7000-8000-00000000ffff' } });
    expect(rejection(() => parseJobEventData(mismatched, mismatched.data)).message).toMatch(/differs from job.id/);
  });
});
