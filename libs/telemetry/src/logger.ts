import { hostname } from 'node:os';
import { pino, stdTimeFunctions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentContext, type LogContext } from './context';
import { prettyDestination } from './pretty';
import { currentTraceId } from './tracing';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal or silent. Default `info`. */
  level?: string;
  /** Human-readable lines instead of JSON (development only). */
  pretty?: boolean;
  /** Where lines go; default stdout. Takes precedence over `pretty`. */
  destination?: DestinationStream;
}

const CONTEXT_FIELDS: readonly (keyof LogContext)[] = ['correlationId', 'tenant', 'project', 'jobId', 'jobType'];

/** Secrets pino-http would otherwise log with every request. */
const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/** The fields of the current {@link LogContext} plus the active `traceId`, omitting unset ones. */
export function logContextFields(): Record<string, string> {
  const ctx = currentContext();
  const fields: Record<string, string> = {};
  for (const key of CONTEXT_FIELDS) {
    const value = ctx[key];
    if (value !== undefined) fields[key] = value;
  }
  const traceId = currentTraceId();
  if (traceId) fields['traceId'] = traceId;
  return fields;
}

/** pino options shared by {@link createLogger} and the Nest logger module. */
export function orchLoggerOptions(serviceName: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { service: serviceName, pid: process.pid, hostname: hostname() },
    mixin: logContextFields,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: REDACTED_PATHS,
  };
}

/**
 * A JSON pino logger for code outside Nest: each line carries `service` and,
 * via a mixin, the current context's correlationId, tenant, project, jobId,
 * jobType and traceId.
 */
export function createLogger(serviceName: string, options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? (options.pretty ? prettyDestination() : undefined);
  const pinoOptions = orchLoggerOptions(serviceName, options.level);
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}
