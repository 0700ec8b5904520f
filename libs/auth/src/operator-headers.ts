import { OperatorContext, OperatorLimits, OrchError } from '@orch/contracts';
import type { TokenClaims } from './claims';

/** `X-Orch-Reason` (lower-cased as Node delivers it). */
export const REASON_HEADER = 'x-orch-reason';
/** `X-Orch-Ticket`. */
export const TICKET_HEADER = 'x-orch-ticket';

/** Whether an operator action needs `X-Orch-Ticket` (backfills) or merely accepts it. */
export type TicketPolicy = 'required' | 'optional';

/** Visible ASCII and spaces (header values are Latin-1 on the wire; control characters would corrupt the audit log). */
const PRINTABLE = /^[\x20-\x7e]+$/;

function problem(name: string, message: string): OrchError {
  return new OrchError('validation', `${name} ${message}`, { retryable: false, errors: [{ path: name, message: `${name} ${message}` }] });
}

function header(raw: string | string[] | undefined, name: string, max: number, required: boolean): string | undefined {
  if (Array.isArray(raw)) throw problem(name, 'must be sent once');
  const value = raw?.trim();
  if (value === undefined || value === '') {
    if (required) throw problem(name, `is required for this operator action (1-${max} characters)`);
    return undefined;
  }
  if (value.length > max) throw problem(name, `must be at most ${max} characters (got ${value.length})`);
  if (!PRINTABLE.test(value)) throw problem(name, 'must be printable ASCII');
  return value;
}

/**
 * The {@link OperatorContext} of an operator action: who (the token), why
 * (`X-Orch-Reason`, required, ≤256 characters) and under which ticket
 * (`X-Orch-Ticket`, ≤128 characters, required when `ticket` is `'required'`).
 *
 * @throws OrchError `validation_failed` (400) naming the header.
 */
export function operatorContext(
  claims: Pick<TokenClaims, 'subject' | 'scopes'>,
  headers: Record<string, string | string[] | undefined>,
  ticket: TicketPolicy,
): OperatorContext {
  const reason = header(headers[REASON_HEADER], 'X-Orch-Reason', OperatorLimits.reasonMaxLength, true)!;
  const ticketValue = header(headers[TICKET_HEADER], 'X-Orch-Ticket', OperatorLimits.ticketMaxLength, ticket === 'required');
  return { subject: claims.subject, scopes: [...claims.scopes], reason, ...(ticketValue !== undefined ? { ticket: ticketValue } : {}) };
}
