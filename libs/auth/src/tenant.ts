import { ID_TOKEN_PATTERN, OrchError } from '@orch/contracts';

/** Request header that selects one tenant of a token listing several (Node lower-cases header names). */
export const TENANT_HEADER = 'x-orch-tenant';

/**
 * The tenant a request acts for, from the token's tenants and the caller's
 * selector (`X-Orch-Tenant`, or `?tenant=` on stream routes):
 *
 * | token lists   | selector         | result                      |
 * | ------------- | ---------------- | --------------------------- |
 * | no tenant     | any              | 403 `forbidden`             |
 * | one: `a`      | none or `a`      | `a`                         |
 * | one: `a`      | `b`              | 403 `forbidden`             |
 * | `a`, `b`, …   | none             | 400 `tenant_required`       |
 * | `a`, `b`, …   | one of them      | that one                    |
 * | `a`, `b`, …   | another          | 403 `forbidden`             |
 * | any           | malformed        | 400 `validation_failed`     |
 *
 * The selector is never trusted on its own: it only chooses among the tenants
 * the (verified) token lists.
 */
export function resolveTenant(tenants: readonly string[], selector: string | undefined): string {
  if (selector !== undefined && !ID_TOKEN_PATTERN.test(selector)) {
    const message = `X-Orch-Tenant must match ${ID_TOKEN_PATTERN.source}`;
    throw new OrchError('validation', message, { retryable: false, errors: [{ path: 'X-Orch-Tenant', message }] });
  }
  if (tenants.length === 0) throw new OrchError('forbidden', 'the token grants no tenant', { retryable: false });
  if (selector === undefined) {
    if (tenants.length === 1) return tenants[0];
    throw new OrchError('tenantRequired', 'the token lists several tenants: choose one with the X-Orch-Tenant header', { retryable: false });
  }
  if (!tenants.includes(selector)) {
    throw new OrchError('forbidden', `the token does not grant tenant ${selector}`, { retryable: false });
  }
  return selector;
}

/**
 * The selector a request sends: `X-Orch-Tenant`, or on routes that allow it
 * (browser streams) the `tenant` query parameter; both must agree when both are
 * given. Empty values count as absent.
 *
 * @throws OrchError `validation_failed` when a value is repeated or the two disagree.
 */
export function tenantSelector(header: string | string[] | undefined, query: unknown): string | undefined {
  const fromHeader = single(header, 'X-Orch-Tenant');
  const fromQuery = single(query, 'tenant');
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    const message = 'X-Orch-Tenant and the tenant query parameter disagree';
    throw new OrchError('validation', message, { retryable: false, errors: [{ path: 'tenant', message }] });
  }
  return fromHeader ?? fromQuery;
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    const message = `${name} must be given at most once`;
    throw new OrchError('validation', message, { retryable: false, errors: [{ path: name, message }] });
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
