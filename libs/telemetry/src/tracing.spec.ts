import { trace } from '@opentelemetry/api';
import { createLogger } from './logger';
import { startTelemetry, type TelemetryHandle } from './sdk';
import { currentTraceId, injectTraceContext, startSpan, withExtractedTraceContext } from './tracing';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('trace propagation', () => {
  let telemetry: TelemetryHandle;
  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'telemetry-spec' });
  });
  afterAll(() => telemetry.shutdown());

  it('startTelemetry is idempotent', () => {
    expect(startTelemetry({ serviceName: 'other' })).toBe(telemetry);
  });

  it('has no trace id and injects nothing outside a span', () => {
    const headers = new Map<string, string>();
    injectTraceContext((k, v) => headers.set(k, v));
    expect(headers.size).toBe(0);
    expect(currentTraceId()).toBeUndefined();
  });

  it('injects a valid traceparent inside a span, and extracting it makes that trace current', async () => {
    const headers = new Map<string, string>();
    const producerTraceId = await startSpan('publish', { 'messaging.system': 'nats' }, async () => {
      injectTraceContext((k, v) => headers.set(k, v));
      return currentTraceId();
    });

    expect(producerTraceId).toMatch(/^[0-9a-f]{32}$/);
    const traceparent = headers.get('traceparent') ?? '';
    expect(traceparent).toMatch(TRACEPARENT);
    expect(TRACEPARENT.exec(traceparent)?.[1]).toBe(producerTraceId);
    expect(currentTraceId()).toBeUndefined();

    const consumer = await withExtractedTraceContext(
      (k) => headers.get(k),
      () =>
        startSpan('process', {}, async () => ({
          traceId: currentTraceId(),
          spanId: trace.getActiveSpan()?.spanContext().spanId,
        })),
    );
    expect(consumer.traceId).toBe(producerTraceId);
    expect(consumer.spanId).not.toBe(TRACEPARENT.exec(traceparent)?.[2]);
  });

  it('puts the active trace id on log lines', async () => {
    const raw: string[] = [];
    const log = createLogger('svc', { destination: { write: (line: string) => void raw.push(line) } });
    const traceId = await startSpan('work', {}, async () => {
      log.info('in span');
      return currentTraceId();
    });
    log.info('after span');
    const [inSpan, afterSpan] = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inSpan['traceId']).toBe(traceId);
    expect(afterSpan).not.toHaveProperty('traceId');
  });

  it('runs fn unchanged when there are no headers', () => {
    expect(withExtractedTraceContext(() => undefined, () => currentTraceId())).toBeUndefined();
  });

  it('startSpan rethrows what fn throws and leaves no span active', async () => {
    const boom = new Error('boom');
    await expect(startSpan('failing', {}, () => Promise.reject(boom))).rejects.toBe(boom);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
