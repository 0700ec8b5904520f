import type { JobListKey } from '@orch/persistence';
import { OrchError } from '@orch/contracts';
import { LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX, QueryReader, RawQuery } from '../jobs/jobs.params';
import { decodePageToken } from '../jobs/page-token';

/** Parsed `GET /api/v1/runs` query. */
export interface ListRunsParams {
  pageSize: number;
  after?: JobListKey;
}

/**
 * Parses `page_size` (default 50, at most 500) and `page_token` of `GET /api/v1/runs`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseListRunsQuery(query: RawQuery): ListRunsParams {
  const q = new QueryReader(query, ['page_size', 'page_token']);
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
  return { pageSize, ...(after ? { after } : {}) };
}
