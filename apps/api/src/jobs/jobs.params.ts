import { ID_TOKEN_PATTERN, JOB_STATUSES, JOB_TYPE_PATTERN, JobStatus, OrchError } from '@orch/contracts';
import type { JobListKey } from '@orch/persistence';
import { decodePageToken } from './page-token';

export const LIST_PAGE_SIZE_DEFAULT = 50;
export const LIST_PAGE_SIZE_MAX = 500;
export const LOGS_LIMIT_DEFAULT = 1_000;
export const LOGS_LIMIT_MAX = 10_000;

/** Validated query of `GET /api/v1/jobs`. */
export interface ListJobsParams {
  status?: JobStatus;
  jobType?: string;
  project?: string;
  /** `created_after`: jobs created at or after this instant (ISO 8601, as sent). */
  createdAfter?: string;
  /** `created_before`: jobs created before this instant. */
  createdBefore?: string;
  pageSize: number;
  after?: JobListKey;
}

type Problem = { path: string; message: string };
/** A parsed query string (express: a value is a string, or an array when repeated). */
export type RawQuery = Record<string, unknown>;

/**
 * An ISO 8601 instant with a time zone: `2026-11-23T10:00:00Z`, `…T10:00:00.123456+01:00`.
 * Offsets stop at ±15:59, the most PostgreSQL accepts (beyond it the query fails, a 500).
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-](0\d|1[0-5]):[0-5]\d)$/;

/** Whether `YYYY-MM-DD` names a real day (Date.parse rolls 2026-02-30 over to March; PostgreSQL refuses it). */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Collects every problem of a query string, then throws them together. */
export class QueryReader {
  readonly problems: Problem[] = [];

  constructor(
    private readonly query: RawQuery,
    allowed: readonly string[],
  ) {
    for (const name of Object.keys(query)) {
      if (!allowed.includes(name)) this.problems.push({ path: name, message: `unknown query parameter ${name}` });
    }
  }

  /** A single string value, or undefined when absent. */
  string(name: string): string | undefined {
    const v = this.query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      this.problems.push({ path: name, message: `${name} must be given once` });
      return undefined;
    }
    return v;
  }

  matching(name: string, pattern: RegExp): string | undefined {
    const v = this.string(name);
    if (v === undefined || pattern.test(v)) return v;
    this.problems.push({ path: name, message: `${name} must match ${pattern.source}` });
    return undefined;
  }

  /**
   * An ISO 8601 instant with a time zone, returned as sent (PostgreSQL keeps its
   * microseconds; a JS Date would not), or undefined when absent.
   */
  instant(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)) && isCalendarDate(v.slice(0, 10))) return v;
    this.problems.push({ path: name, message: `${name} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-23T10:00:00Z` });
    return undefined;
  }

  /**
   * A time range `[fromName, beforeName)` of two {@link instant}s; a range whose
   * start is not before its end is a problem of `beforeName`.
   */
  range(fromName: string, beforeName: string): { from?: string; before?: string } {
    const from = this.instant(fromName);
    const before = this.instant(beforeName);
    if (from !== undefined && before !== undefined && Date.parse(from) >= Date.parse(before)) {
      this.problems.push({ path: beforeName, message: `${beforeName} must be later than ${fromName}` });
    }
    return { ...(from !== undefined ? { from } : {}), ...(before !== undefined ? { before } : {}) };
  }

  integer(name: string, min: number, max: number, fallback: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push({ path: name, message: `${name} must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return n;
  }

  throwIfAny(what: string): void {
    if (this.problems.length === 0) return;
    throw new OrchError('validation', `${what}: ${this.problems.map((p) => p.message).join('; ')}`, { errors: this.problems });
  }
}

/**
 * Parses `status`, `jobType`, `project`, `created_after` (inclusive),
 * `created_before` (exclusive), `page_size` and `page_token`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseListJobsQuery(query: RawQuery): ListJobsParams {
  const q = new QueryReader(query, ['status', 'jobType', 'project', 'created_after', 'created_before', 'page_size', 'page_token']);
  const status = q.string('status');
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    q.problems.push({ path: 'status', message: `status must be one of ${JOB_STATUSES.join(', ')}` });
  }
  const jobType = q.matching('jobType', JOB_TYPE_PATTERN);
  const project = q.matching('project', ID_TOKEN_PATTERN);
  const created = q.range('created_after', 'created_before');
  const pageSize = q.integer('page_size', 1, LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_DEFAULT);
  const token = q.string('page_token');
  let after: JobListKey | undefined;
  if (token !== undefined) {
    try {
      after = decodePageToken(token);
    } catch (err) {
      q.problems.push(...((err as OrchError).errors ?? []));
    }
  }
  q.throwIfAny('invalid list query');
  return {
    pageSize,
    ...(status !== undefined ? { status: status as JobStatus } : {}),
    ...(jobType !== undefined ? { jobType } : {}),
    ...(project !== undefined ? { project } : {}),
    ...(created.from !== undefined ? { createdAfter: created.from } : {}),
    ...(created.before !== undefined ? { createdBefore: created.before } : {}),
    ...(after ? { after } : {}),
  };
}

/**
 * Parses `limit` of `GET /api/v1/jobs/:id/logs` (default 1000, at most 10000).
 * @throws OrchError `validation_failed` for a bad or unknown parameter.
 */
export function parseLogsQuery(query: RawQuery): { limit: number } {
  const q = new QueryReader(query, ['limit']);
  const limit = q.integer('limit', 1, LOGS_LIMIT_MAX, LOGS_LIMIT_DEFAULT);
  q.throwIfAny('invalid logs query');
  return { limit };
}
