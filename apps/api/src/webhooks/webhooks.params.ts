import { DELIVERY_STATUSES, DeliveryStatus, OrchError, WebhookLimits } from '@orch/contracts';
import { QueryReader, RawQuery } from '../jobs/jobs.params';

/** Validated paging of the webhook lists; `cursor` is the event-notifier's opaque cursor (`page_token`). */
export interface WebhookPageParams {
  pageSize: number;
  cursor?: string;
}

/** Validated query of `GET /api/v1/webhooks/{id}/deliveries`. */
export interface DeliveryListParams extends WebhookPageParams {
  status?: DeliveryStatus;
}

const CURSOR_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${WebhookLimits.cursorMaxLength}}$`);

function readPage(q: QueryReader): WebhookPageParams {
  const pageSize = q.integer('page_size', 1, WebhookLimits.pageSizeMax, WebhookLimits.pageSizeDefault);
  const token = q.string('page_token');
  if (token !== undefined && !CURSOR_PATTERN.test(token)) q.problems.push({ path: 'page_token', message: 'page_token is not a token this API issued' });
  return { pageSize, ...(token !== undefined && CURSOR_PATTERN.test(token) ? { cursor: token } : {}) };
}

/**
 * Parses `page_size` and `page_token` of `GET /api/v1/webhooks`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseWebhookListQuery(query: RawQuery): WebhookPageParams {
  const q = new QueryReader(query, ['page_size', 'page_token']);
  const page = readPage(q);
  q.throwIfAny('invalid webhook list query');
  return page;
}

/**
 * Parses `status`, `page_size` and `page_token` of `GET /api/v1/webhooks/{id}/deliveries`.
 * @throws OrchError `validation_failed` listing every bad or unknown parameter.
 */
export function parseDeliveryListQuery(query: RawQuery): DeliveryListParams {
  const q = new QueryReader(query, ['status', 'page_size', 'page_token']);
  const status = q.string('status');
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    q.problems.push({ path: 'status', message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` });
  }
  const page = readPage(q);
  q.throwIfAny('invalid delivery list query');
  return { ...page, ...(status !== undefined ? { status: status as DeliveryStatus } : {}) };
}

/**
 * The event-notifier names a bad cursor `cursor`; the api's callers sent `page_token`.
 * Other errors pass through.
 */
export function renameCursorProblem(err: unknown): unknown {
  if (!(err instanceof OrchError) || err.code !== 'validation_failed' || !err.errors?.some((e) => e.path === 'cursor')) return err;
  const message = 'page_token is not a token this API issued';
  return new OrchError('validation', message, { cause: err, retryable: false, errors: [{ path: 'page_token', message }] });
}
