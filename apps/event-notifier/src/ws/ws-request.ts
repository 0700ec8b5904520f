import { parseFrom, parseSequence, parseStreamFilter, QueryParams, singleParam } from '../streams/stream-params';
import type { StreamRequest } from '../sse/stream-request';

/**
 * Validates a `/api/v1/events/ws` request for `tenant` (the token's; the auth
 * guard already read `?access_token=` and `?tenant=`). `since` is the last
 * `seq` the client saw (the same numbering as SSE ids, so a client can switch
 * transports) and wins over `from=start`; without either only new events come.
 *
 * @throws OrchError `validation_failed` for a bad value.
 */
export function parseWsStreamRequest(query: QueryParams, tenant: string): StreamRequest {
  const since = parseSequence(singleParam(query['since'], 'since'), 'since');
  const from = parseFrom(query, 'new');
  return { tenant, start: since !== undefined ? { kind: 'after', seq: since } : from, filter: parseStreamFilter(query) };
}
