import { ScheduleLimits } from '@orch/contracts';
import { QueryReader, RawQuery } from '../jobs/jobs.params';
import { isJobId as isUuid } from '../jobs/job-id';

/** Validated query of `GET /api/v1/schedules`; `cursor` is the ledger's cursor (`page_token`). */
export interface SchedulePageParams {
  pageSize: number;
  cursor?: string;
}

/** Validated query of `GET /api/v1/schedules/{id}`. */
export interface ScheduleGetParams {
  /** How many next fire times to list. */
  next: number;
}

/**
 * Parses `page_size` and `page_token` of `GET /api/v1/schedules`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseScheduleListQuery(query: RawQuery): SchedulePageParams {
  const q = new QueryReader(query, ['page_size', 'page_token']);
  const pageSize = q.integer('page_size', 1, ScheduleLimits.pageSizeMax, ScheduleLimits.pageSizeDefault);
  const token = q.string('page_token');
  const valid = token !== undefined && isUuid(token);
  if (token !== undefined && !valid) q.problems.push({ path: 'page_token', message: 'page_token is not a token this API issued' });
  q.throwIfAny('invalid schedule list query');
  return { pageSize, ...(token !== undefined && valid ? { cursor: token.toLowerCase() } : {}) };
}

/**
 * Parses `next` (next fire times to list, 0–100, default 5) of `GET /api/v1/schedules/{id}`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseScheduleGetQuery(query: RawQuery): ScheduleGetParams {
  const q = new QueryReader(query, ['next']);
  const next = q.integer('next', 0, ScheduleLimits.nextFireTimesMax, ScheduleLimits.nextFireTimesDefault);
  q.throwIfAny('invalid schedule query');
  return { next };
}
