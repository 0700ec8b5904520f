import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { core, NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';

/** Options for {@link startTelemetry}. */
export interface TelemetryOptions {
  /** `service.name` resource attribute. */
  serviceName: string;
  /**
   * OTLP/HTTP base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://collector:4318`);
   * `/v1/traces` is appended unless already present. Without it spans are created
   * (trace ids exist for logs and propagation) but not exported.
   */
  otlpEndpoint?: string;
  /** `false` starts nothing: no spans, no propagation. Default `true`. */
  enabled?: boolean;
}

/** A started telemetry pipeline. */
export interface TelemetryHandle {
  /** Flushes pending spans and stops the SDK; safe to call more than once. */
  shutdown(): Promise<void>;
}

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

/** Ends spans without exporting them: keeps ids and sampling without a backend. */
const discardingProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** Paths whose requests are too frequent and too boring to trace. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

let handle: TelemetryHandle | undefined;

/** The OTLP/HTTP traces URL for a base endpoint, per the OTel exporter spec. */
export function otlpTracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Starts the OpenTelemetry Node SDK: HTTP instrumentation, W3C trace-context
 * propagation, AsyncLocalStorage context and `service.name`. Call it first in
 * `main.ts`, before Nest (and so `http`/`express`) is loaded. Idempotent: later
 * calls return the first handle and ignore their options.
 */
export function startTelemetry(opts: TelemetryOptions): TelemetryHandle {
  if (handle) return handle;
  if (opts.enabled === false) {
    handle = { shutdown: () => Promise.resolve() };
    return handle;
  }
  // With an exporter the SDK batches spans; otherwise spans are sampled and ended but dropped.
  const exporting: Partial<NodeSDKConfiguration> = opts.otlpEndpoint
    ? { traceExporter: new OTLPTraceExporter({ url: otlpTracesUrl(opts.otlpEndpoint) }) }
    : { spanProcessors: [discardingProcessor] };
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    textMapPropagator: new core.W3CTraceContextPropagator(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
      }),
    ],
    ...exporting,
    // Traces only: without these the SDK would build OTLP metric/log exporters from OTEL_* env vars.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  handle = { shutdown: () => (stopping ??= sdk.shutdown()) };
  return handle;
}
