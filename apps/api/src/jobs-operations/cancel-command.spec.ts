import { buildCancelCommand, CANCEL_SCOPE } from './cancel-command';

const operator = { subject: 'ops', scopes: ['orch:operate'], reason: 'stuck upstream' };
const id = '01A20811-97C3-729A-8789-0221C6BA0062';

describe('cancel command', () => {
  it('carries the operator and an idempotency ref scoped to the cancel route, the id lower-cased', () => {
    const cmd = buildCancelCommand(id, operator, 'key-1');
    expect(cmd).toMatchObject({ jobId: id.toLowerCase(), operator, idempotency: { key: 'key-1', scope: CANCEL_SCOPE } });
    expect(cmd.idempotency?.requestDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(buildCancelCommand(id.toLowerCase(), operator, 'key-1')).toEqual(cmd);
  });

  it('digests the job, the reason and the ticket: changing any of them changes the request', () => {
    const digest = (jobId: string, op: typeof operator & { ticket?: string }) => buildCancelCommand(jobId, op, 'k').idempotency?.requestDigest;
    const base = digest(id, operator);
    expect(digest('01a20811-97c3-729a-8789-0221c6ba0063', operator)).not.toBe(base);
    expect(digest(id, { ...operator, reason: 'other' })).not.toBe(base);
    expect(digest(id, { ...operator, ticket: 'OPS-1' })).not.toBe(base);
  });
});
