import type { JsMsg } from '@nats-io/jetstream';
import { decodeEnvelope, JobStatus, LogLine, validatePlain } from '@orch/contracts';
import { formatSseFrame } from '../sse/sse-frames';
import { SseFraming } from '../sse/sse-transport';
import type { StreamCloseReason } from '../streams/live-stream';
import { parseFrom, parseSequence, QueryParams, singleParam, StreamStart } from '../streams/stream-params';

/** One log line as the log stream sends it (`data` of an `event: log` frame). */
export interface LogStreamItem extends LogLine {
  /** LOGS stream sequence: the frame's `id`, a stable, increasing position. */
  seq: number;
  /** From the worker's envelope. */
  tenant: string;
  project: string;
  correlationId: string;
}

/** How a job ended, as far as its log stream is concerned. */
export interface JobEnd {
  /** The job's terminal status. */
  status: JobStatus;
  /** The last log sequence of the job when it ended (0: it logged nothing). */
  lastSeq: number;
}

/** `data` of the `event: end` frame: the job's end, with the job's tenant, project and correlation id like every line. */
export interface LogStreamEnd extends JobEnd {
  jobId: string;
  tenant: string;
  project: string;
  correlationId: string;
}

/**
 * A LOGS message that is a valid `job.log` envelope of this tenant and job, or
 * undefined (skipped: workers publish these, and one bad line must not hide
 * the rest).
 */
export function decodeLogLine(m: JsMsg, tenant: string, jobId: string): LogStreamItem | undefined {
  try {
    const env = decodeEnvelope(m.data);
    if (env.type !== 'job.log' || env.tenant !== tenant) return undefined;
    const line = validatePlain(LogLine, env.data, 'log line');
    if (line.jobId !== jobId) return undefined;
    return {
      seq: m.seq,
      jobId: line.jobId,
      attempt: line.attempt,
      level: line.level,
      message: line.message,
      ts: line.ts,
      tenant: env.tenant,
      project: env.project,
      correlationId: env.correlationId,
    };
  } catch {
    return undefined;
  }
}

/**
 * SSE framing of a job's log stream: `id: <seq>`, `event: log`; it ends with
 * `event: end` (no id) once the job is terminal and every line up to then was
 * sent. {@link end} is set just before the stream closes as `completed`.
 */
export class LogFraming implements SseFraming<LogStreamItem> {
  end?: LogStreamEnd;

  frame(item: LogStreamItem): string {
    return formatSseFrame({ id: String(item.seq), event: 'log', data: JSON.stringify(item) });
  }

  last(reason: StreamCloseReason): string | undefined {
    if (reason !== 'completed' || !this.end) return undefined;
    return formatSseFrame({ event: 'end', data: JSON.stringify(this.end) });
  }
}

/**
 * Where a log stream starts: after Last-Event-ID (header, or `?lastEventId=`),
 * else `?from=` — `start` by default (a job's log is small, and a client
 * opening it wants the whole of it), `new` for lines from now on.
 *
 * @throws OrchError `validation_failed` for a bad value.
 */
export function parseLogStreamStart(headers: Record<string, string | string[] | undefined>, query: QueryParams): StreamStart {
  const lastEventId =
    parseSequence(singleParam(headers['last-event-id'], 'Last-Event-ID'), 'Last-Event-ID') ??
    parseSequence(singleParam(query['lastEventId'], 'lastEventId'), 'lastEventId');
  return lastEventId !== undefined ? { kind: 'after', seq: lastEventId } : parseFrom(query, 'start');
}
