import { matchesWebhook, matchingWebhookIds, TenantWebhookCache, WebhookFilter } from './webhook-filter';

const hook = (id: string, projects: string[] | null, eventTypes: string[] = []): WebhookFilter => ({ id, projects, eventTypes });

describe('matchesWebhook', () => {
  it('passes every event without filters', () => {
    expect(matchesWebhook(hook('a', null), { projectId: 'p1', eventType: 'job.queued' })).toBe(true);
  });

  it('requires the project to be listed when projects are given', () => {
    const f = hook('a', ['p1', 'p2']);
    expect(matchesWebhook(f, { projectId: 'p2', eventType: 'job.queued' })).toBe(true);
    expect(matchesWebhook(f, { projectId: 'p3', eventType: 'job.queued' })).toBe(false);
  });

  it('requires the event type to be listed when event types are given', () => {
    const f = hook('a', null, ['job.succeeded', 'job.failed']);
    expect(matchesWebhook(f, { projectId: 'p1', eventType: 'job.failed' })).toBe(true);
    expect(matchesWebhook(f, { projectId: 'p1', eventType: 'job.queued' })).toBe(false);
  });

  it('requires both filters when both are given', () => {
    const f = hook('a', ['p1'], ['job.succeeded']);
    expect(matchesWebhook(f, { projectId: 'p1', eventType: 'job.succeeded' })).toBe(true);
    expect(matchesWebhook(f, { projectId: 'p2', eventType: 'job.succeeded' })).toBe(false);
    expect(matchesWebhook(f, { projectId: 'p1', eventType: 'job.failed' })).toBe(false);
  });

  it('lists the ids of every matching webhook', () => {
    const filters = [hook('all', null), hook('p1', ['p1']), hook('ok', null, ['job.succeeded']), hook('p2', ['p2'])];
    expect(matchingWebhookIds(filters, { projectId: 'p1', eventType: 'job.queued' })).toEqual(['all', 'p1']);
    expect(matchingWebhookIds([], { projectId: 'p1', eventType: 'job.queued' })).toEqual([]);
  });
});

describe('TenantWebhookCache', () => {
  function setup(ttlMs = 1_000, maxTenants = 100) {
    let clock = 0;
    const loads: string[] = [];
    const data = new Map<string, WebhookFilter[]>([['acme', [hook('a', null)]]]);
    const cache = new TenantWebhookCache(
      async (tenant) => {
        loads.push(tenant);
        return data.get(tenant) ?? [];
      },
      { ttlMs, maxTenants },
      () => clock,
    );
    return { cache, loads, data, tick: (ms: number) => (clock += ms) };
  }

  it('loads a tenant once while fresh, and shares a load between concurrent lookups', async () => {
    const { cache, loads } = setup();
    const [a, b] = await Promise.all([cache.get('acme'), cache.get('acme')]);
    expect(a).toBe(b);
    await cache.get('acme');
    expect(loads).toEqual(['acme']);
  });

  it('reloads after the TTL', async () => {
    const { cache, loads, tick } = setup(1_000);
    await cache.get('acme');
    tick(999);
    await cache.get('acme');
    tick(1);
    await cache.get('acme');
    expect(loads).toEqual(['acme', 'acme']);
  });

  it('reloads a tenant after invalidate, and sees the change', async () => {
    const { cache, loads, data } = setup();
    expect((await cache.get('acme')).map((f) => f.id)).toEqual(['a']);
    data.set('acme', [hook('a', null), hook('b', ['p1'])]);
    cache.invalidate('acme');
    expect((await cache.get('acme')).map((f) => f.id)).toEqual(['a', 'b']);
    expect(loads).toEqual(['acme', 'acme']);
  });

  it('keeps tenants apart', async () => {
    const { cache } = setup();
    expect(await cache.get('globex')).toEqual([]);
    expect((await cache.get('acme')).map((f) => f.id)).toEqual(['a']);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const cache = new TenantWebhookCache(
      async () => {
        if (fail) throw new Error('db down');
        return [hook('a', null)];
      },
      { ttlMs: 60_000, maxTenants: 10 },
    );
    await expect(cache.get('acme')).rejects.toThrow('db down');
    fail = false;
    expect(await cache.get('acme')).toHaveLength(1);
  });

  it('evicts the oldest tenant beyond maxTenants', async () => {
    const { cache, loads } = setup(60_000, 2);
    await cache.get('t1');
    await cache.get('t2');
    await cache.get('t3');
    expect(cache.size).toBe(2);
    await cache.get('t1');
    expect(loads).toEqual(['t1', 't2', 't3', 't1']);
  });
});
