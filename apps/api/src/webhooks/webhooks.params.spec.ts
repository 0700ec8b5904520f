import { OrchError } from '@orch/contracts';
import { parseDeliveryListQuery, parseWebhookListQuery, renameCursorProblem } from './webhooks.params';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    return ((err as OrchError).errors ?? []).map((e) => e.path).sort();
  }
  throw new Error('expected validation_failed');
}

describe('webhook list queries', () => {
  it('pages with page_size and page_token, default 50', () => {
    expect(parseWebhookListQuery({})).toEqual({ pageSize: 50 });
    expect(parseWebhookListQuery({ page_size: '500', page_token: 'abc_-1' })).toEqual({ pageSize: 500, cursor: 'abc_-1' });
    expect(problems(() => parseWebhookListQuery({ page_size: '501', page_token: 'a+b', cursor: 'x' }))).toEqual(['cursor', 'page_size', 'page_token']);
  });

  it('filters deliveries by a known status', () => {
    expect(parseDeliveryListQuery({ status: 'dead' })).toEqual({ pageSize: 50, status: 'dead' });
    expect(problems(() => parseDeliveryListQuery({ status: 'lost' }))).toEqual(['status']);
  });

  it("renames the event-notifier's cursor problem to page_token and leaves other errors alone", () => {
    const cursor = new OrchError('validation', 'bad cursor', { errors: [{ path: 'cursor', message: 'bad' }] });
    expect(renameCursorProblem(cursor)).toMatchObject({ code: 'validation_failed', errors: [{ path: 'page_token' }] });
    const other = new OrchError('notFound', 'webhook x not found');
    expect(renameCursorProblem(other)).toBe(other);
  });
});
