/**
 * Helpers shared by the control-plane integration tests (batch, cancel,
 * summary, audit, legacy, webhooks, limits) on top of {@link ApiStack}.
 */
import type { ApiAnswer, ApiStack } from './api-stack';

/** An RFC 9457 problem body with Orch's code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

/** Asserts a problem+json answer with `status` and `code`; returns the body. */
export function expectProblem(res: ApiAnswer, status: number, code: string): Problem {
  expect({ status: res.status, contentType: res.contentType, code: (res.body as Problem | undefined)?.code }).toEqual({
    status,
    contentType: expect.stringContaining('application/problem+json'),
    code,
  });
  return res.body as Problem;
}

/** The paths a validation problem names. */
export function problemPaths(res: ApiAnswer): string[] {
  return ((res.body as Problem).errors ?? []).map((e) => e.path);
}

/** Bearer token headers of a producer/operator (read + operate) of `tenant`. */
export function operatorAuth(stack: ApiStack, tenant: string, sub = 'ops@example.com'): Promise<Record<string, string>> {
  return stack.authHeader({ tenant, scopes: ['orch:read', 'orch:operate'], sub });
}

/** A JSON request to the api with `headers` (an Authorization among them). */
export function send<T = unknown>(stack: ApiStack, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<ApiAnswer<T>> {
  return stack.call<T>(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** Rows of the ledger tables an operator action writes; equal before and after means nothing changed. */
export interface ControlPlaneCounts {
  jobs: number;
  events: number;
  idempotencyKeys: number;
  audit: number;
}

export async function controlPlaneCounts(stack: ApiStack): Promise<ControlPlaneCounts> {
  const { rows } = await stack.pg.query(`SELECT
    (SELECT count(*)::int FROM ledger.jobs) AS jobs,
    (SELECT count(*)::int FROM ledger.job_events) AS events,
    (SELECT count(*)::int FROM ledger.idempotency_keys) AS "idempotencyKeys",
    (SELECT count(*)::int FROM ledger.audit_log) AS audit`);
  return rows[0] as ControlPlaneCounts;
}
