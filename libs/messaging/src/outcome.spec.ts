import { OrchError } from '@orch/contracts';
import { decodeEnvelope, decodeReply, encodeJson, errorReply, makeEnvelope, okReply, toErrorBody } from './codec';
import { outcomeFor, redeliveryDelayMs, RetryLater } from './outcome';
import { serverSupportsTermReason } from './server';

describe('handler outcome mapping', () => {
  it('acks a success', () => expect(outcomeFor(undefined, 1)).toEqual({ kind: 'ack' }));

  it('naks with the requested delay for RetryLater', () => expect(outcomeFor(new RetryLater(1500), 1)).toEqual({ kind: 'nak', delayMs: 1500 }));

  it('terminates a non-retryable OrchError, naming its code', () => {
    expect(outcomeFor(new OrchError('validation', 'bad'), 1)).toEqual({ kind: 'term', reason: 'validation_failed: bad' });
  });

  it('redelivers a retryable OrchError and unknown errors with growing delay', () => {
    expect(outcomeFor(new OrchError('unavailable', 'db down'), 1)).toEqual({ kind: 'nak', delayMs: 250 });
    expect(outcomeFor(new Error('boom'), 3)).toEqual({ kind: 'nak', delayMs: 1000 });
    expect(redeliveryDelayMs(50)).toBe(30_000);
  });
});

describe('codec', () => {
  it('round-trips an envelope', () => {
    const env = makeEnvelope({ type: 'job.queued', tenant: 't1', project: 'p', correlationId: 'c', data: { a: 1 } });
    expect(decodeEnvelope(encodeJson(env))).toMatchObject({ tenant: 't1', data: { a: 1 } });
  });

  it('refuses an envelope without data', () => {
    const env = makeEnvelope({ type: 'x', tenant: 't1', project: 'p', correlationId: 'c', data: {} }) as unknown as Record<string, unknown>;
    delete env['data'];
    expect(() => decodeEnvelope(encodeJson(env))).toThrow(OrchError);
  });

  it('turns replies back into data or the error they carry', () => {
    expect(decodeReply(okReply({ x: 1 }))).toEqual({ x: 1 });
    const err = new OrchError('staleLease', 'fenced');
    expect(() => decodeReply(errorReply(err.toBody()))).toThrow(expect.objectContaining({ code: 'stale_lease', status: 409 }));
  });

  it('hides internals of unexpected errors', () => {
    expect(toErrorBody(new Error('password=hunter2'))).toMatchObject({ code: 'internal', detail: 'internal error' });
  });
});

describe('terminate with a reason', () => {
  it.each([
    ['2.9.10', false],
    ['2.10.0', true],
    ['2.11.4', true],
    ['3.0.0', true],
    [undefined, false],
  ])('server %s supports +TERM with a reason: %s', (version, expected) => {
    expect(serverSupportsTermReason(version)).toBe(expected);
  });
});
