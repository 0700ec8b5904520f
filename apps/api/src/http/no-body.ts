import { OrchError } from '@orch/contracts';
import type { Request } from 'express';

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
