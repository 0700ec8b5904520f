import { OrchError } from '@orch/contracts';
import type { Request } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { parseIdempotencyKey } from './headers';

/**
 * For POST actions whose inputs are the path and the operator headers (cancel,
 * redeliver): no body, or an empty JSON object, is fine; a body with fields is
 * a mistake worth naming rather than ignoring.
 */
export function assertNoBody(req: Request, hint: string): void {
  const body: unknown = req.body;
  // A body no parser read (text/plain, …) is a body all the same: ignoring it would act on a request the caller did not mean.
  const unread = body === undefined && (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined);
  if (!unread && (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0))) return;
  const message = `this action takes no body: ${hint}`;
  throw new OrchError('validation', message, { errors: [{ path: 'body', message }] });
}

/** Where an operator action without a body takes its inputs, for {@link assertNoBody}'s message. */
export const OPERATOR_HEADERS_HINT = 'the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket';

/**
 * The Idempotency-Key of an operator action that takes no body (cancel, pause, replay, …), after
 * checking there is none: the caller's (validated), or a fresh one.
 */
export function noBodyActionKey(req: Request, idempotencyKey: string | undefined): string {
  assertNoBody(req, OPERATOR_HEADERS_HINT);
  return parseIdempotencyKey(idempotencyKey) ?? uuidv7();
}
