import type { JsMsg } from '@nats-io/jetstream';
import { encodeJson, makeEnvelope } from '@orch/contracts';
import { decodeLogLine, LogFraming, parseLogStreamStart } from './log-lines';

const JOB = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const line = { jobId: JOB, attempt: 2, level: 'info', message: 'hello', ts: '2026-11-24T10:00:00.000Z' };
const msg = (seq: number, envelope: unknown): JsMsg => ({ seq, subject: `orch.log.acme.${JOB}`, data: encodeJson(envelope) }) as unknown as JsMsg;
const envelope = (over: Record<string, unknown> = {}) => ({ ...makeEnvelope({ type: 'job.log', tenant: 'acme', project: 'p1', correlationId: 'c-1', data: line }), ...over });

describe('decodeLogLine', () => {
  it('turns a job.log envelope into a line carrying tenant, project and correlationId from the envelope', () => {
    expect(decodeLogLine(msg(7, envelope()), 'acme', JOB)).toEqual({ seq: 7, ...line, tenant: 'acme', project: 'p1', correlationId: 'c-1' });
  });

  it.each([
    ['another tenant', envelope({ tenant: 'other' })],
    ['another job', envelope({ data: { ...line, jobId: '0190a1b2-c3d4-7e5f-8a9b-000000000000' } })],
    ['another type', envelope({ type: 'job.progress' })],
    ['an invalid line', envelope({ data: { ...line, level: 'loud' } })],
    ['not an envelope', { hello: 'world' }],
  ])('skips %s', (_what, body) => {
    expect(decodeLogLine(msg(1, body), 'acme', JOB)).toBeUndefined();
  });
});

describe('LogFraming', () => {
  it('frames a line with id = seq and event log, and ends with an end frame only when the stream completed', () => {
    const framing = new LogFraming();
    const item = { seq: 9, ...line, level: 'info' as const, tenant: 'acme', project: 'p1', correlationId: 'c-1' };
    expect(framing.frame(item)).toBe(`id: 9\nevent: log\ndata: ${JSON.stringify(item)}\n\n`);
    expect(framing.last('completed')).toBeUndefined();
    framing.end = { jobId: JOB, status: 'succeeded', lastSeq: 9, tenant: 'acme', project: 'p1', correlationId: 'c-1' };
    expect(framing.last('completed')).toBe(`event: end\ndata: ${JSON.stringify(framing.end)}\n\n`);
    expect(framing.last('slow_client')).toBeUndefined();
  });
});

describe('parseLogStreamStart', () => {
  it('starts from the first line by default, from now on with from=new, after Last-Event-ID when resuming', () => {
    expect(parseLogStreamStart({}, {})).toEqual({ kind: 'start' });
    expect(parseLogStreamStart({}, { from: 'new' })).toEqual({ kind: 'new' });
    expect(parseLogStreamStart({ 'last-event-id': '12' }, { from: 'new' })).toEqual({ kind: 'after', seq: 12 });
    expect(parseLogStreamStart({}, { lastEventId: '5' })).toEqual({ kind: 'after', seq: 5 });
  });
});
