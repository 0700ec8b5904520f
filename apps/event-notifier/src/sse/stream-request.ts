import { parseFrom, parseSequence, parseStreamFilter, singleParam, StreamFilter, StreamStart } from '../streams/stream-params';

export { matchesFilter, startSequence } from '../streams/stream-params';
export type { StreamFilter, StreamStart } from '../streams/stream-params';

/** A validated notifier-event stream request (SSE `GET /api/v1/events/stream`, WebSocket `/api/v1/events/ws`). */
export interface StreamRequest {
  /** The caller's tenant, resolved from the token by the auth guard. */
  tenant: string;
  start: StreamStart;
  filter: StreamFilter;
  /** When the caller's token expires (epoch ms): the stream ends then, and the client reconnects with a fresh token. */
  expiresAt?: number;
}

/** What the parser reads from the HTTP request. */
export interface StreamRequestInput {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

/**
 * Parses a Last-Event-ID (a NOTIFY stream sequence as sent in `id:`).
 * Empty or absent → undefined.
 *
 * @throws OrchError `validation_failed` when it is not a non-negative integer.
 */
export function parseLastEventId(raw: string | undefined, name = 'Last-Event-ID'): number | undefined {
  return parseSequence(raw, name);
}

/**
 * Validates a stream request for `tenant` (the caller's, from the token; the
 * auth guard already read `X-Orch-Tenant` / `?tenant=` and `?access_token=`).
 * Last-Event-ID (header, or `?lastEventId=` for clients that cannot set
 * headers) wins over `?from=start`, so a browser reconnecting to a
 * `from=start` URL resumes instead of replaying.
 *
 * @throws OrchError `validation_failed` for a bad value.
 */
export function parseStreamRequest(input: StreamRequestInput, tenant: string): StreamRequest {
  const q = input.query;
  const lastEventId =
    parseLastEventId(singleParam(input.headers['last-event-id'], 'Last-Event-ID')) ??
    parseLastEventId(singleParam(q['lastEventId'], 'lastEventId'), 'lastEventId');
  const from = parseFrom(q, 'new');
  return { tenant, start: lastEventId !== undefined ? { kind: 'after', seq: lastEventId } : from, filter: parseStreamFilter(q) };
}
