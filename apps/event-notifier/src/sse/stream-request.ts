import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, OrchError } from '@orch/contracts';

/** Where a stream starts in the NOTIFY stream. */
export type StreamStart =
  /** Resume after a known stream sequence (Last-Event-ID). */
  | { kind: 'after'; seq: number }
  /** Replay everything the stream retains (`?from=start`). */
  | { kind: 'start' }
  /** Only events that arrive from now on. */
  | { kind: 'new' };

/** Server-side filters; every given field must match. */
export interface StreamFilter {
  project?: string;
  jobType?: string;
  correlationId?: string;
}

/** A validated `GET /api/v1/events/stream` request. */
export interface StreamRequest {
  /** The caller's tenant, resolved from the token by the auth guard. */
  tenant: string;
  start: StreamStart;
  filter: StreamFilter;
  /** When the caller's token expires (epoch ms): the stream ends then, and the client reconnects with a fresh token. */
  expiresAt?: number;
}

/** What the parser reads from the HTTP request. */
export interface StreamRequestInput {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

const LAST_EVENT_ID_PATTERN = /^\d{1,16}$/;
const CORRELATION_ID_MAX_LENGTH = 128;

function invalid(detail: string, path: string): OrchError {
  return new OrchError('validation', detail, { retryable: false, errors: [{ path, message: detail }] });
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be given at most once, as a plain string`, name);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function matching(value: string | undefined, pattern: RegExp, name: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) throw invalid(`${name} must match ${pattern}`, name);
  return value;
}

/**
 * Parses a Last-Event-ID (a NOTIFY stream sequence as sent in `id:`).
 * Empty or absent → undefined.
 *
 * @throws OrchError `validation_failed` when it is not a non-negative integer.
 */
export function parseLastEventId(raw: string | undefined, name = 'Last-Event-ID'): number | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const seq = Number(value);
  if (!LAST_EVENT_ID_PATTERN.test(value) || !Number.isSafeInteger(seq)) {
    throw invalid(`${name} must be a non-negative integer event id as sent by this stream (got ${JSON.stringify(value.slice(0, 40))})`, name);
  }
  return seq;
}

/**
 * Validates a stream request for `tenant` (the caller's, from the token; the
 * auth guard already read `X-Orch-Tenant` / `?tenant=` and `?access_token=`).
 * Last-Event-ID (header, or `?lastEventId=` for clients that cannot set
 * headers) wins over `?from=start`, so a browser reconnecting to a
 * `from=start` URL resumes instead of replaying.
 *
 * @throws OrchError `validation_failed` for a bad value.
 */
export function parseStreamRequest(input: StreamRequestInput, tenant: string): StreamRequest {
  const q = input.query;

  const lastEventId =
    parseLastEventId(single(input.headers['last-event-id'], 'Last-Event-ID')) ??
    parseLastEventId(single(q['lastEventId'], 'lastEventId'), 'lastEventId');
  const from = single(q['from'], 'from');
  if (from !== undefined && from !== 'start') throw invalid('from must be "start" (omit it to receive new events only)', 'from');
  const start: StreamStart = lastEventId !== undefined ? { kind: 'after', seq: lastEventId } : from === 'start' ? { kind: 'start' } : { kind: 'new' };

  const filter: StreamFilter = {};
  const project = matching(single(q['project'], 'project'), ID_TOKEN_PATTERN, 'project');
  const jobType = matching(single(q['jobType'], 'jobType'), JOB_TYPE_PATTERN, 'jobType');
  const correlationId = single(q['correlationId'], 'correlationId');
  if (correlationId !== undefined && correlationId.length > CORRELATION_ID_MAX_LENGTH) {
    throw invalid(`correlationId must be at most ${CORRELATION_ID_MAX_LENGTH} characters`, 'correlationId');
  }
  if (project !== undefined) filter.project = project;
  if (jobType !== undefined) filter.jobType = jobType;
  if (correlationId !== undefined) filter.correlationId = correlationId;
  return { tenant, start, filter };
}

/** The first NOTIFY stream sequence to deliver; `lastSeq` is the stream's last sequence now. */
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
