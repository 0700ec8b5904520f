import { errors as natsErrors } from '@nats-io/transport-node';
import { OrchError } from '@orch/contracts';
import { isStaleLease, isTransient, jobErrorOf, LeaseLostError, NonRetryableError, RetryableError, transportError, WorkerStoppingError } from './errors';

describe('what a handler throw reports', () => {
  it('reports a RetryableError as retryable with its code and retry-after', () => {
    expect(jobErrorOf(new RetryableError('upstream_429', 'slow down', { retryAfterMs: 1500 }))).toEqual({
      code: 'upstream_429',
      message: 'slow down',
      retryable: true,
      retryAfterMs: 1500,
    });
  });

  it('reports a NonRetryableError as not retryable', () => {
    expect(jobErrorOf(new NonRetryableError('bad_input', 'no such file'))).toEqual({ code: 'bad_input', message: 'no such file', retryable: false });
  });

  it('reports any other Error as a retryable handler_error naming the error', () => {
    expect(jobErrorOf(new TypeError('x is undefined'))).toEqual({ code: 'handler_error', message: 'TypeError: x is undefined', retryable: true });
    expect(jobErrorOf('just a string')).toMatchObject({ code: 'handler_error', retryable: true, message: expect.stringContaining('just a string') });
  });

  it('reports the abort of a stopping worker as retryable worker_stopping', () => {
    expect(jobErrorOf(new WorkerStoppingError())).toMatchObject({ code: 'worker_stopping', retryable: true });
  });

  it('clips codes and messages to what the protocol accepts', () => {
    const e = jobErrorOf(new RetryableError('c'.repeat(300), 'm'.repeat(10_000)));
    expect(e.code.length).toBe(128);
    expect(e.message.length).toBe(4096);
  });
});

describe('transport failures', () => {
  it('maps no responders to a retryable unavailable', () => {
    const err = transportError(new natsErrors.NoRespondersError('orch.worker.a.claim'), 'orch.worker.a.claim', 1000);
    expect(err).toMatchObject({ code: 'unavailable', retryable: true });
    const viaRequest = transportError(new natsErrors.RequestError('no responders', { cause: new natsErrors.NoRespondersError('s') }), 's', 1000);
    expect(viaRequest).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('maps a timeout to a retryable timeout naming the subject and wait', () => {
    const err = transportError(new natsErrors.TimeoutError(), 'orch.worker.a.claim', 6000);
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(err.message).toContain('orch.worker.a.claim');
    expect(err.message).toContain('6000');
  });

  it('passes server errors through unchanged', () => {
    const stale = new OrchError('staleLease', 'not yours', { retryable: false });
    expect(transportError(stale, 's', 1)).toBe(stale);
  });

  it('maps a NATS permissions violation to a non-retryable forbidden naming the refused subject', () => {
    const violation = new natsErrors.PermissionViolationError('Permissions Violation for Publish to "orch.worker.t2.claim"', 'publish', 'orch.worker.t2.claim');
    const err = transportError(new natsErrors.RequestError(violation.message, { cause: violation }), 'orch.worker.t2.claim', 1000);
    expect(err).toMatchObject({ code: 'forbidden', status: 403, retryable: false });
    expect(err.message).toContain('publish on orch.worker.t2.claim');
    const inbox = new natsErrors.PermissionViolationError('Permissions Violation for Subscription to "_INBOX.abc.*"', 'subscription', '_INBOX.abc.*');
    expect(transportError(inbox, 'orch.worker.t1.claim', 1000)).toMatchObject({ code: 'forbidden', message: expect.stringContaining('subscription on _INBOX.abc.*') });
  });

  it('tells stale leases and transient failures apart', () => {
    expect(isStaleLease(new OrchError('staleLease', 'gone', { retryable: false }))).toBe(true);
    expect(isStaleLease(new OrchError('unavailable', 'down'))).toBe(false);
    expect(isTransient(new OrchError('unavailable', 'down'))).toBe(true);
    expect(isTransient(new OrchError('timeout', 'slow'))).toBe(true);
    expect(isTransient(new OrchError('staleLease', 'gone', { retryable: false }))).toBe(false);
    expect(isTransient(new LeaseLostError('gone'))).toBe(false);
  });
});
