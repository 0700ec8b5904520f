import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, OrchError } from '@orch/contracts';

/** Where a live stream starts in its JetStream stream. */
export type StreamStart =
  /** Resume after a known stream sequence (SSE Last-Event-ID, WebSocket `since`). */
  | { kind: 'after'; seq: number }
  /** Replay everything the stream retains (`?from=start`). */
  | { kind: 'start' }
  /** Only messages that arrive from now on. */
  | { kind: 'new' };

/** Server-side filters of the notifier-event streams; every given field must match. */
export interface StreamFilter {
  project?: string;
  jobType?: string;
  correlationId?: string;
}

/** A request's query parameters as express parsed them (a repeated parameter is an array). */
export type QueryParams = Record<string, unknown>;

const SEQUENCE_PATTERN = /^\d{1,16}$/;
const CORRELATION_ID_MAX_LENGTH = 128;

/** A 400 `validation_failed` naming the offending parameter. */
export function invalidParam(detail: string, path: string): OrchError {
  return new OrchError('validation', detail, { retryable: false, errors: [{ path, message: detail }] });
}

/**
 * A query parameter or header given at most once, trimmed; empty counts as absent.
 *
 * @throws OrchError `validation_failed` when it was repeated.
 */
export function singleParam(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(`${name} must be given at most once, as a plain string`, name);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function matching(value: string | undefined, pattern: RegExp, name: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) throw invalidParam(`${name} must match ${pattern}`, name);
  return value;
}

/**
 * Parses a resume point: a stream sequence as sent in SSE `id:` or a
 * WebSocket message's `seq`. Empty or absent → undefined.
 *
 * @throws OrchError `validation_failed` when it is not a non-negative integer.
 */
export function parseSequence(raw: string | undefined, name: string): number | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const seq = Number(value);
  if (!SEQUENCE_PATTERN.test(value) || !Number.isSafeInteger(seq)) {
    throw invalidParam(`${name} must be a non-negative integer event id as sent by this stream (got ${JSON.stringify(value.slice(0, 40))})`, name);
  }
  return seq;
}

/**
 * The `from` parameter: `start` replays what the stream retains. `fallback`
 * applies when it is absent.
 *
 * @throws OrchError `validation_failed` for any other value.
 */
export function parseFrom(query: QueryParams, fallback: 'start' | 'new'): StreamStart {
  const from = singleParam(query['from'], 'from');
  if (from === undefined) return { kind: fallback };
  if (from === 'start' || from === 'new') return { kind: from };
  throw invalidParam('from must be "start" (replay what the stream retains) or "new" (only what arrives from now on)', 'from');
}

/**
 * The optional `project`, `jobType` and `correlationId` filters.
 *
 * @throws OrchError `validation_failed` for a malformed or repeated value.
 */
export function parseStreamFilter(query: QueryParams): StreamFilter {
  const filter: StreamFilter = {};
  const project = matching(singleParam(query['project'], 'project'), ID_TOKEN_PATTERN, 'project');
  const jobType = matching(singleParam(query['jobType'], 'jobType'), JOB_TYPE_PATTERN, 'jobType');
  const correlationId = singleParam(query['correlationId'], 'correlationId');
  if (correlationId !== undefined && correlationId.length > CORRELATION_ID_MAX_LENGTH) {
    throw invalidParam(`correlationId must be at most ${CORRELATION_ID_MAX_LENGTH} characters`, 'correlationId');
  }
  if (project !== undefined) filter.project = project;
  if (jobType !== undefined) filter.jobType = jobType;
  if (correlationId !== undefined) filter.correlationId = correlationId;
  return filter;
}

/** The first stream sequence to deliver; `lastSeq` is the stream's last sequence now. */
export function startSequence(start: StreamStart, lastSeq: number): number {
  switch (start.kind) {
    case 'after':
      return start.seq + 1;
    case 'start':
      return 1;
    case 'new':
      return lastSeq + 1;
  }
}

/** Whether a notifier envelope passes the filters. */
export function matchesFilter(envelope: { project: string; jobType?: string; correlationId: string }, filter: StreamFilter): boolean {
  return (
    (filter.project === undefined || envelope.project === filter.project) &&
    (filter.jobType === undefined || envelope.jobType === filter.jobType) &&
    (filter.correlationId === undefined || envelope.correlationId === filter.correlationId)
  );
}
