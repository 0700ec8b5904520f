import {
  context,
  propagation,
  SpanStatusCode,
  trace,
  type Attributes,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

/** Tracer name under which this library's helper spans are recorded. */
export const TRACER_NAME = '@orch/telemetry';

const setterFor = (set: (key: string, value: string) => void): TextMapSetter<null> => ({
  set: (_carrier, key, value) => set(key, value),
});

const getterFor = (get: (key: string) => string | undefined): TextMapGetter<null> => ({
  // W3C propagators read known keys only, so `keys` is never needed for extraction.
  keys: () => [],
  get: (_carrier, key) => get(key),
});

/**
 * Writes the active trace context (`traceparent`, `tracestate`) through `setter`,
 * e.g. into NATS message headers. Writes nothing when there is no active span
 * or telemetry is not started.
 */
export function injectTraceContext(setter: (key: string, value: string) => void): void {
  propagation.inject(context.active(), null, setterFor(setter));
}

/**
 * Runs `fn` inside the trace context read through `getter` (e.g. from NATS message
 * headers), so spans started in `fn` become children of the remote span and
 * {@link currentTraceId} returns its trace id. Without headers `fn` runs unchanged.
 */
export function withExtractedTraceContext<T>(getter: (key: string) => string | undefined, fn: () => T): T {
  const extracted = propagation.extract(context.active(), null, getterFor(getter));
  return context.with(extracted, fn);
}

/**
 * Runs `fn` in a new active span named `name`. A thrown error or rejection is
 * recorded on the span (status ERROR) and rethrown; the span always ends.
 */
export function startSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err: unknown) {
      const error = err instanceof Error ? err : new Error(String(err));
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The trace id of the active span context (local or extracted), if any. */
export function currentTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
