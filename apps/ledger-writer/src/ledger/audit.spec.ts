import { OrchError } from '@orch/contracts';
import { verifyChain } from '@orch/domain';
import { applyAudit } from './audit';
import { ctx, operator, TENANT, unitOfWork } from './uow-fixtures';

const change = { action: 'quota.update', targetType: 'quota', targetId: 'demo.echo', before: { perMinute: 10 }, after: { perMinute: 20, at: new Date(0) as unknown }, operator };

describe('audit', () => {
  it("appends entries to the tenant's own audit chain, with plain-JSON before/after", () => {
    const uow = unitOfWork([]);
    const a = applyAudit(uow, ctx(), change);
    const b = applyAudit(uow, ctx(), { ...change, project: 'p1', before: undefined, operator: { ...operator, ticket: undefined } });
    expect(a).toMatchObject({ created: true, entry: { tenant: TENANT, seq: 1, project: null, after: { perMinute: 20, at: '1970-01-01T00:00:00.000Z' } } });
    expect(b.entry).toMatchObject({ seq: 2, project: 'p1', before: null, ticket: null, prevHash: a.entry.hash });
    expect(verifyChain(uow.auditEntries)).toMatchObject({ ok: true, count: 2 });
    // Audit entries are not job events: the job chain is untouched.
    expect(uow.events).toEqual([]);
  });

  it('returns the first entry on an idempotent replay and refuses the key with another digest', () => {
    const uow = unitOfWork([]);
    const idempotency = { key: 'q1', scope: 'PUT /api/v1/quotas/{id}', requestDigest: 'a'.repeat(64) };
    const first = applyAudit(uow, ctx(), { ...change, idempotency });
    expect(applyAudit(uow, ctx(), { ...change, idempotency })).toEqual({ created: false, entry: first.entry });
    expect(() => applyAudit(uow, ctx(), { ...change, idempotency: { ...idempotency, requestDigest: 'b'.repeat(64) } })).toThrow(OrchError);
    expect(uow.auditEntries).toHaveLength(1);
  });
});
