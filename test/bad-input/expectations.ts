/**
 * What a refusal must look like: over HTTP an RFC 9457 problem+json body with
 * Orch's stable code, over NATS an error envelope `{v:1, ok:false, error}` of
 * the same shape; never a stack trace, never a 5xx. Failures name the case,
 * so a shrunk fast-check counterexample reads as a reproduction.
 */
import type { Answer } from './http-client';

/** The problem+json body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  traceId?: string;
  errors?: { path: string; message: string }[];
}

/** The `error` of a NATS error envelope. */
export interface ReplyError {
  code: string;
  title: string;
  status: number;
  detail: string;
  retryable: boolean;
  errors?: { path: string; message: string }[];
}

/** Signs of an internal error leaking out: stack frames, source paths, module paths. */
const INTERNALS = /\n\s+at\s|\bat\s+[\w.<>]+\s+\(|\.(ts|js):\d+|node_modules|\/work\/|QueryFailedError|TypeError|RangeError/;

export const PROBLEM_TYPE_BASE = 'https://orch.dev/problems/';

/** Error codes a bad worker request may be answered with (docs/protocol.md). */
export const WORKER_REFUSAL_CODES = ['validation_failed', 'decode_failed', 'not_found', 'stale_lease', 'invalid_transition'] as const;

function fail(what: string, message: string, text: string): never {
  throw new Error(`${what}: ${message}\n--- answer ---\n${text.slice(0, 1500)}`);
}

function oneOf<T>(value: T, allowed: T | readonly T[]): boolean {
  return (Array.isArray(allowed) ? (allowed as readonly T[]) : [allowed as T]).includes(value);
}

/**
 * Asserts a problem+json refusal with one of `status` and (when given) one of
 * `code`; returns the body.
 */
export function expectProblem(what: string, ans: Answer, status: number | readonly number[], code?: string | readonly string[]): Problem {
  if (ans.opened) fail(what, `a stream opened (status ${ans.status}) instead of a refusal`, ans.text);
  if (!oneOf(ans.status, status)) fail(what, `status ${ans.status}, expected ${JSON.stringify(status)}`, ans.text);
  if (!ans.contentType.startsWith('application/problem+json')) fail(what, `content-type "${ans.contentType}", expected application/problem+json`, ans.text);
  let body: Problem;
  try {
    body = JSON.parse(ans.text) as Problem;
  } catch {
    return fail(what, 'the body is not JSON', ans.text);
  }
  if (body === null || typeof body !== 'object') fail(what, 'the body is not a JSON object', ans.text);
  for (const field of ['type', 'title', 'detail', 'code'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') fail(what, `problem field ${field} is missing or empty`, ans.text);
  }
  if (body.status !== ans.status) fail(what, `problem status ${body.status} differs from the HTTP status ${ans.status}`, ans.text);
  if (body.type !== `${PROBLEM_TYPE_BASE}${body.code}`) fail(what, `problem type ${body.type} does not name code ${body.code}`, ans.text);
  if (code !== undefined && !oneOf(body.code, code)) fail(what, `code ${body.code}, expected ${JSON.stringify(code)}`, ans.text);
  if (INTERNALS.test(ans.text)) fail(what, 'the answer shows internals (a stack trace or source path)', ans.text);
  return body;
}

/** Asserts an error envelope whose code is one of `codes` (a 4xx, not retryable); returns its error. */
export function expectErrorReply(what: string, raw: string, codes: readonly string[] = WORKER_REFUSAL_CODES): ReplyError {
  let reply: { v?: unknown; ok?: unknown; error?: ReplyError };
  try {
    reply = JSON.parse(raw) as typeof reply;
  } catch {
    return fail(what, 'the reply is not JSON', raw);
  }
  if (reply?.v !== 1 || reply.ok !== false || typeof reply.error !== 'object' || reply.error === null) {
    fail(what, 'the reply is not an error envelope {v:1, ok:false, error}', raw);
  }
  const e = reply.error!;
  for (const field of ['code', 'title', 'detail'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') fail(what, `error field ${field} is missing or empty`, raw);
  }
  if (!codes.includes(e.code)) fail(what, `code ${e.code}, expected one of ${codes.join(', ')}`, raw);
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499) fail(what, `error status ${e.status}, expected a 4xx`, raw);
  if (e.retryable !== false) fail(what, 'a refusal of bad input must not be retryable', raw);
  if (INTERNALS.test(raw)) fail(what, 'the reply shows internals (a stack trace or source path)', raw);
  return e;
}

/** Asserts that none of `secrets` (another tenant's name, ids, data) appears in an answer. */
export function expectNoLeak(what: string, text: string, secrets: readonly string[]): void {
  for (const s of secrets) if (s && text.includes(s)) fail(what, `the answer leaks "${s}"`, text);
}

/**
 * A 404 body with the requested id and per-request fields (traceId, instance)
 * taken out, for comparing another tenant's object with one that never existed.
 */
export function normalizedNotFound(body: Problem, id: string): Omit<Problem, 'traceId' | 'instance'> {
  const { traceId: _t, instance: _i, ...rest } = body;
  return JSON.parse(JSON.stringify(rest).split(id).join('<id>')) as Omit<Problem, 'traceId' | 'instance'>;
}
