import type { IncomingMessage, ServerResponse } from 'node:http';
import { v7 as uuidv7 } from 'uuid';

/** Request and response header carrying the correlation id. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** Accepted shape of a caller-supplied id; anything else is replaced, so it cannot inject into logs. */
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const RESOLVED = Symbol('orch.correlationId');

type TaggedRequest = IncomingMessage & { [RESOLVED]?: string };

/**
 * The request's correlation id: the `x-correlation-id` header when well-formed,
 * else a new UUIDv7. Echoes it on the response header. Memoised on the request,
 * so pino-http and the context middleware agree whichever runs first.
 */
export function resolveCorrelationId(req: IncomingMessage, res: ServerResponse): string {
  const tagged = req as TaggedRequest;
  const known = tagged[RESOLVED];
  if (known) return known;
  const raw = req.headers[CORRELATION_ID_HEADER];
  const header = Array.isArray(raw) ? raw[0] : raw;
  const id = header && VALID_ID.test(header) ? header : uuidv7();
  tagged[RESOLVED] = id;
  if (!res.headersSent) res.setHeader(CORRELATION_ID_HEADER, id);
  return id;
}
