import { OrchError } from '@orch/contracts';
import { commandFailure } from './command-failure';

describe('commandFailure', () => {
  it('turns a timeout into a retryable 503 that names the service and keeps the cause', () => {
    const timeout = new OrchError('timeout', 'no reply');
    const mapped = commandFailure(timeout, 'event-notifier', 1500) as OrchError;
    expect(mapped).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
    expect(mapped.message).toBe('event-notifier did not answer within 1500 ms; retry with the same Idempotency-Key');
    expect(mapped.cause).toBe(timeout);
  });

  it('rewords a missing responder with the given advice', () => {
    expect((commandFailure(new OrchError('unavailable', 'no responders'), 'ledger-writer', 10, 'retry later') as OrchError).message).toBe(
      'ledger-writer is unavailable; retry later',
    );
  });

  it('passes refusals and foreign errors through untouched', () => {
    const refusal = new OrchError('notFound', 'job x not found');
    const bug = new TypeError('boom');
    expect(commandFailure(refusal, 'ledger-writer', 10)).toBe(refusal);
    expect(commandFailure(bug, 'ledger-writer', 10)).toBe(bug);
  });
});
