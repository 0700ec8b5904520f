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
  pageSize: number;
  after?: JobListKey;
}

type Problem = { path: string; message: string };
type RawQuery = Record<string, unknown>;

/** Collects every problem of a query string, then throws them together. */
class QueryReader {
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
 * Parses `status`, `jobType`, `project`, `page_size` and `page_token`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseListJobsQuery(query: RawQuery): ListJobsParams {
  const q = new QueryReader(query, ['status', 'jobType', 'project', 'page_size', 'page_token']);
  const status = q.string('status');
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    q.problems.push({ path: 'status', message: `status must be one of ${JOB_STATUSES.join(', ')}` });
  }
  const jobType = q.matching('jobType', JOB_TYPE_PATTERN);
  const project = q.matching('project', ID_TOKEN_PATTERN);
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
