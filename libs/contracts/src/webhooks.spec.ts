import { OrchError } from './errors';
import { validatePlain } from './validate';
import {
  CreateWebhookCommand,
  ListDeliveriesCommand,
  ListWebhooksCommand,
  RedeliverCommand,
  UpdateWebhookCommand,
  webhookUrlProblem,
} from './webhooks';

const operator = { subject: 'alice', scopes: ['orch:operate'], reason: 'set up alerts' };
const webhookId = '0192f0a0-0000-7000-8000-00000000a001';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrchError && err.code === 'validation_failed') return (err.errors ?? []).map((e) => e.path);
    throw err;
  }
  throw new Error('expected validation_failed');
}

describe('webhookUrlProblem', () => {
  it.each(['https://hooks.example.com/orch', 'http://127.0.0.1:8080/in?x=1', 'https://[::1]:443/p'])('accepts %s', (url) => {
    expect(webhookUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['ftp://example.com/in', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['/relative/path', /absolute/],
    ['not a url', /whitespace/],
    ['https://user:pw@example.com/in', /credentials/],
    ['https://user@example.com/in', /credentials/],
    ['http://:@example.com/in', /credentials/],
    ['https://example.com/in#frag', /fragment/],
  ])('refuses %s', (url, reason) => {
    expect(webhookUrlProblem(url)).toMatch(reason);
  });

  it('refuses more than 2048 characters', () => {
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2_048)}`)).toMatch(/at most 2048/);
  });

  it('accepts exactly 2048 characters', () => {
    const url = `https://example.com/${'a'.repeat(2_048 - 'https://example.com/'.length)}`;
    expect(url).toHaveLength(2_048);
    expect(webhookUrlProblem(url)).toBeUndefined();
  });
});

describe('webhook commands', () => {
  it('accepts a create with filters and an operator', () => {
    const cmd = validatePlain(CreateWebhookCommand, {
      url: 'https://hooks.example.com/orch',
      projects: ['p1', 'p2'],
      eventTypes: ['job.succeeded', 'job.failed'],
      description: 'alerts',
      operator,
    });
    expect(cmd).toMatchObject({ url: 'https://hooks.example.com/orch', projects: ['p1', 'p2'], eventTypes: ['job.succeeded', 'job.failed'] });
    expect(validatePlain(CreateWebhookCommand, { url: 'https://x.example/', projects: null, operator }).projects).toBeNull();
  });

  it('refuses a bad url without echoing it, unknown event types, empty or bad projects and a missing operator', () => {
    let detail = '';
    try {
      validatePlain(CreateWebhookCommand, { url: 'https://bob:hunter2@example.com/', operator });
    } catch (err) {
      detail = (err as OrchError).message;
    }
    expect(detail).toMatch(/url must not contain credentials/);
    expect(detail).not.toContain('hunter2');
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', eventTypes: ['job.exploded'], operator }))).toEqual(['eventTypes']);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', eventTypes: ['job.failed', 'job.failed'], operator }))).toEqual([
      'eventTypes',
    ]);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', projects: [], operator }))).toEqual(['projects']);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', projects: ['P.1'], operator }))).toEqual(['projects']);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/' }))).toEqual(['operator']);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', operator: { ...operator, reason: '' } }))).toEqual(['operator.reason']);
    expect(problems(() => validatePlain(CreateWebhookCommand, { url: 'https://x.example/', secret: 'mine', operator }))).toEqual(['secret']);
  });

  it('lets an update leave fields out, clear projects and description with null, but not null the url or enabled', () => {
    const cmd = validatePlain(UpdateWebhookCommand, { webhookId, projects: null, description: null, operator });
    expect(cmd.url).toBeUndefined();
    expect(cmd.projects).toBeNull();
    expect(cmd.description).toBeNull();
    expect(validatePlain(UpdateWebhookCommand, { webhookId, eventTypes: [], rotateSecret: true, operator })).toMatchObject({ eventTypes: [], rotateSecret: true });
    expect(problems(() => validatePlain(UpdateWebhookCommand, { webhookId, url: null, operator }))).toEqual(['url']);
    expect(problems(() => validatePlain(UpdateWebhookCommand, { webhookId, enabled: null, operator }))).toEqual(['enabled']);
    expect(problems(() => validatePlain(UpdateWebhookCommand, { webhookId, url: 'ftp://x.example/', operator }))).toEqual(['url']);
    expect(problems(() => validatePlain(UpdateWebhookCommand, { webhookId: 'w-1', operator }))).toEqual(['webhookId']);
  });

  it('bounds page sizes, cursors and delivery statuses', () => {
    expect(validatePlain(ListWebhooksCommand, {})).toEqual({});
    expect(problems(() => validatePlain(ListWebhooksCommand, { pageSize: 0 }))).toEqual(['pageSize']);
    expect(problems(() => validatePlain(ListWebhooksCommand, { pageSize: 501 }))).toEqual(['pageSize']);
    expect(problems(() => validatePlain(ListWebhooksCommand, { cursor: 'a+b' }))).toEqual(['cursor']);
    expect(validatePlain(ListDeliveriesCommand, { webhookId, status: 'dead' }).status).toBe('dead');
    expect(problems(() => validatePlain(ListDeliveriesCommand, { webhookId, status: 'lost' }))).toEqual(['status']);
    expect(problems(() => validatePlain(RedeliverCommand, { deliveryId: webhookId }))).toEqual(['operator']);
  });
});
