import { OrchError } from '@orch/contracts';
import type { Request } from 'express';

/**
 * For POST actions whose inputs are the path and the operator headers (cancel,
 * redeliver): no body, or an empty JSON object, is fine; a body with fields is
 * a mistake worth naming rather than ignoring.
 */
export function assertNoBody(req: Request, hint: string): void {
  const body: unknown = req.body;
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) return;
  const message = `this action takes no body: ${hint}`;
  throw new OrchError('validation', message, { errors: [{ path: 'body', message }] });
}
