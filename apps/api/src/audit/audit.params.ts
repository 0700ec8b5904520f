import { AUDIT_ACTION_PATTERN, AUDIT_TARGET_TYPE_PATTERN, ControlPlaneLimits, ID_TOKEN_PATTERN, OrchError } from '@orch/contracts';
import { LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX, QueryReader, RawQuery } from '../jobs/jobs.params';

/** Validated query of `GET /api/v1/audit`. */
export interface AuditQueryParams {
  action?: string;
  targetType?: string;
  targetId?: string;
  project?: string;
  /** Entries at or after this instant. */
  from?: string;
  /** Entries before this instant. */
  to?: string;
  pageSize: number;
  /** Seq of the previous page's last entry (exclusive). */
  afterSeq?: number;
}

/** Printable ASCII: what a target id can be (job and webhook ids, quota names). */
const TARGET_ID_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${ControlPlaneLimits.auditTargetIdMaxLength}}$`);
/** `a.<seq>` in base64url; the prefix tells an audit token from a jobs token. */
const TOKEN_PREFIX = 'a.';

function badToken(): OrchError {
  const message = 'page_token is not a token this API issued';
  return new OrchError('validation', message, { errors: [{ path: 'page_token', message }] });
}

/** An opaque cursor for `next_page_token`: the seq of the last entry returned. */
export function encodeAuditPageToken(seq: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${seq}`, 'utf8').toString('base64url');
}

/**
 * The seq inside a `page_token`.
 * @throws OrchError `validation_failed` (path `page_token`) for anything {@link encodeAuditPageToken} did not produce.
 */
export function decodeAuditPageToken(token: string): number {
  if (token.length === 0 || token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) throw badToken();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^a\.([1-9]\d{0,14})$/.exec(text);
  if (!m) throw badToken();
  return Number(m[1]);
}

/**
 * Parses `action`, `targetType`, `targetId`, `project`, `from` (inclusive),
 * `to` (exclusive), `page_size` and `page_token`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseAuditQuery(query: RawQuery): AuditQueryParams {
  const q = new QueryReader(query, ['action', 'targetType', 'targetId', 'project', 'from', 'to', 'page_size', 'page_token']);
  const action = q.matching('action', AUDIT_ACTION_PATTERN);
  const targetType = q.matching('targetType', AUDIT_TARGET_TYPE_PATTERN);
  const targetId = q.matching('targetId', TARGET_ID_PATTERN);
  const project = q.matching('project', ID_TOKEN_PATTERN);
  const range = q.range('from', 'to');
  const pageSize = q.integer('page_size', 1, LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_DEFAULT);
  const token = q.string('page_token');
  let afterSeq: number | undefined;
  if (token !== undefined) {
    try {
      afterSeq = decodeAuditPageToken(token);
    } catch (err) {
      q.problems.push(...((err as OrchError).errors ?? []));
    }
  }
  q.throwIfAny('invalid audit query');
  return {
    pageSize,
    ...(action !== undefined ? { action } : {}),
    ...(targetType !== undefined ? { targetType } : {}),
    ...(targetId !== undefined ? { targetId } : {}),
    ...(project !== undefined ? { project } : {}),
    ...(range.from !== undefined ? { from: range.from } : {}),
    ...(range.before !== undefined ? { to: range.before } : {}),
    ...(afterSeq !== undefined ? { afterSeq } : {}),
  };
}
