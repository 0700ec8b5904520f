import { formatSseComment, formatSseFrame, formatSseRetry } from './sse-frames';

describe('SSE frames', () => {
  it('formats id, event and data, ending with a blank line', () => {
    expect(formatSseFrame({ id: '17', event: 'job.queued', data: '{"a":1}' })).toBe('id: 17\nevent: job.queued\ndata: {"a":1}\n\n');
  });

  it('omits id and event when not given', () => {
    expect(formatSseFrame({ data: 'x' })).toBe('data: x\n\n');
  });

  it('splits multi-line data into several data lines (CRLF, CR and LF)', () => {
    expect(formatSseFrame({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps line breaks and NUL out of id and event so a value cannot inject fields', () => {
    expect(formatSseFrame({ id: '1\n\ndata: evil\0', event: 'x\r\nid: 9', data: '' })).toBe('id: 1data: evil\nevent: xid: 9\ndata: \n\n');
  });

  it('formats comments and the retry hint', () => {
    expect(formatSseComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(formatSseComment('a\nb')).toBe(': ab\n\n');
    expect(formatSseRetry(2000)).toBe('retry: 2000\n\n');
    expect(formatSseRetry(1.9)).toBe('retry: 1\n\n');
  });
});
