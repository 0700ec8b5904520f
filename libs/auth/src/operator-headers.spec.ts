import { OrchError } from '@orch/contracts';
import { operatorContext } from './operator-headers';

const claims = { subject: 'alice', scopes: ['orch:read', 'orch:operate'] as const };

function problem(fn: () => unknown): OrchError {
  try {
    fn();
  } catch (err) {
    return err as OrchError;
  }
  throw new Error('expected a refusal');
}

describe('operatorContext', () => {
  it('builds the context from the token and the headers', () => {
    expect(operatorContext({ ...claims, scopes: [...claims.scopes] }, { 'x-orch-reason': ' stuck upstream ', 'x-orch-ticket': 'OPS-42' }, 'optional')).toEqual({
      subject: 'alice',
      scopes: ['orch:read', 'orch:operate'],
      reason: 'stuck upstream',
      ticket: 'OPS-42',
    });
    expect(operatorContext({ ...claims, scopes: [] }, { 'x-orch-reason': 'r' }, 'optional')).toEqual({ subject: 'alice', scopes: [], reason: 'r' });
  });

  it.each([
    ['no reason', {}, 'optional', 'X-Orch-Reason'],
    ['an empty reason', { 'x-orch-reason': '  ' }, 'optional', 'X-Orch-Reason'],
    ['a reason of 257 characters', { 'x-orch-reason': 'r'.repeat(257) }, 'optional', 'X-Orch-Reason'],
    ['a reason with a control character', { 'x-orch-reason': 'a\u0007b' }, 'optional', 'X-Orch-Reason'],
    ['no ticket where one is required', { 'x-orch-reason': 'r' }, 'required', 'X-Orch-Ticket'],
    ['a ticket of 129 characters', { 'x-orch-reason': 'r', 'x-orch-ticket': 't'.repeat(129) }, 'optional', 'X-Orch-Ticket'],
  ] as const)('refuses %s with 400 naming the header', (_what, headers, ticket, header) => {
    const err = problem(() => operatorContext({ ...claims, scopes: [] }, headers, ticket));
    expect(err).toMatchObject({ code: 'validation_failed', status: 400, errors: [{ path: header }] });
  });

  it('accepts exactly 256 and 128 characters', () => {
    const ctx = operatorContext({ ...claims, scopes: [] }, { 'x-orch-reason': 'r'.repeat(256), 'x-orch-ticket': 't'.repeat(128) }, 'required');
    expect([ctx.reason.length, ctx.ticket?.length]).toEqual([256, 128]);
  });
});
