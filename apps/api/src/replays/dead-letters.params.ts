import { DeadLetterLimits, ID_TOKEN_PATTERN, JOB_TYPE_PATTERN, OrchError } from '@orch/contracts';
import type { DeadLetterKey, DeadLetterQuery } from '@orch/persistence';
import { LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX, QueryReader, RawQuery } from '../jobs/jobs.params';
import { decodePageToken } from '../jobs/page-token';

/** Printable ASCII without spaces, as error codes are (`upstream_503`, `E.TIMEOUT`). */
export const ERROR_CODE_QUERY_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${DeadLetterLimits.errorCodeMaxLength}}$`);

/** The selection of a dead-letter query without the tenant. */
export type DeadLetterSelection = Omit<DeadLetterQuery, 'tenant'>;

/** Parsed `GET /api/v1/dead-letters`. */
export interface ListDeadLettersParams {
  selection: DeadLetterSelection;
  pageSize: number;
  after?: DeadLetterKey;
}

function selection(q: QueryReader, withReplayed: boolean): DeadLetterSelection {
  const project = q.matching('project', ID_TOKEN_PATTERN);
  const jobType = q.matching('jobType', JOB_TYPE_PATTERN);
  const errorCode = withReplayed ? q.matching('errorCode', ERROR_CODE_QUERY_PATTERN) : undefined;
  const range = q.range('from', 'to');
  let replayed: boolean | undefined;
  if (withReplayed) {
    const v = q.string('replayed');
    if (v === 'true' || v === 'false') replayed = v === 'true';
    else if (v !== undefined) q.problems.push({ path: 'replayed', message: 'replayed must be true or false' });
  }
  return {
    ...(project !== undefined ? { project } : {}),
    ...(jobType !== undefined ? { jobType } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(range.from !== undefined ? { from: range.from } : {}),
    ...(range.before !== undefined ? { to: range.before } : {}),
    ...(replayed !== undefined ? { replayed } : {}),
  };
}

/**
 * Parses `project`, `jobType`, `errorCode`, `from` (inclusive), `to` (exclusive), `replayed`
 * (`true`|`false`), `page_size` and `page_token` of `GET /api/v1/dead-letters`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseListDeadLettersQuery(query: RawQuery): ListDeadLettersParams {
  const q = new QueryReader(query, ['project', 'jobType', 'errorCode', 'from', 'to', 'replayed', 'page_size', 'page_token']);
  const sel = selection(q, true);
  const pageSize = q.integer('page_size', 1, LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_DEFAULT);
  const token = q.string('page_token');
  let after: DeadLetterKey | undefined;
  if (token !== undefined) {
    try {
      after = decodePageToken(token);
    } catch (err) {
      q.problems.push(...((err as OrchError).errors ?? []));
    }
  }
  q.throwIfAny('invalid dead-letter query');
  return { selection: sel, pageSize, ...(after ? { after } : {}) };
}

/**
 * Parses `project`, `jobType`, `from` and `to` of `GET /api/v1/dead-letters/stats`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseDeadLetterStatsQuery(query: RawQuery): DeadLetterSelection {
  const q = new QueryReader(query, ['project', 'jobType', 'from', 'to']);
  const sel = selection(q, false);
  q.throwIfAny('invalid dead-letter stats query');
  return sel;
}
