import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_ID_HEADER, resolveCorrelationId } from './correlation';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function exchange(header?: string | string[]): { req: IncomingMessage; res: ServerResponse; sent: Map<string, unknown> } {
  const sent = new Map<string, unknown>();
  const req = { headers: header === undefined ? {} : { [CORRELATION_ID_HEADER]: header } } as unknown as IncomingMessage;
  const res = { headersSent: false, setHeader: (k: string, v: unknown) => sent.set(k, v) } as unknown as ServerResponse;
  return { req, res, sent };
}

describe('resolveCorrelationId', () => {
  it('uses a well-formed x-correlation-id header and echoes it on the response', () => {
    const { req, res, sent } = exchange('abc-123');
    expect(resolveCorrelationId(req, res)).toBe('abc-123');
    expect(sent.get(CORRELATION_ID_HEADER)).toBe('abc-123');
  });

  it('generates a UUIDv7 when the header is missing', () => {
    const { req, res, sent } = exchange();
    const id = resolveCorrelationId(req, res);
    expect(id).toMatch(UUID_V7);
    expect(sent.get(CORRELATION_ID_HEADER)).toBe(id);
  });

  it.each([['has space'], ['x'.repeat(129)], ['line\nbreak'], ['']])('replaces a malformed header %j', (bad) => {
    const { req, res } = exchange(bad);
    expect(resolveCorrelationId(req, res)).toMatch(UUID_V7);
  });

  it('returns the same id on every call for one request', () => {
    const { req, res } = exchange();
    expect(resolveCorrelationId(req, res)).toBe(resolveCorrelationId(req, res));
  });
});
