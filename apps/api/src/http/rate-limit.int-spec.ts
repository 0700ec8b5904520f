import { waitFor } from '@orch/testing';
import { ApiAnswer, ApiStack } from '../test-support/api-stack';

const headersOf = (res: ApiAnswer) => ({
  limit: res.headers.get('x-ratelimit-limit'),
  remaining: res.headers.get('x-ratelimit-remaining'),
  reset: res.headers.get('x-ratelimit-reset'),
});

describe('per-tenant API rate limit (API_RATE_LIMIT_RPS=2, API_RATE_LIMIT_BURST=3; real processes)', () => {
  const stack = new ApiStack({ API_RATE_LIMIT_RPS: '2', API_RATE_LIMIT_BURST: '3' });

  beforeAll(() => stack.start(), 150_000);
  afterAll(() => stack.stop(), 60_000);

  const list = async (tenant: string) => stack.call<{ code?: string; detail?: string }>('/api/v1/jobs', { headers: await stack.authHeader({ tenant, scopes: ['orch:read'] }) });

  it('answers the 4th quick request 429 with Retry-After and X-RateLimit-*, leaves another tenant alone, and lets the tenant in again after Retry-After', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => list('busy')));
    const ok = answers.filter((r) => r.status === 200);
    const limited = answers.filter((r) => r.status === 429);
    expect([ok.length, limited.length]).toEqual([3, 1]);
    expect(ok.map((r) => headersOf(r).remaining).sort()).toEqual(['0', '1', '2']);
    for (const r of ok) expect(headersOf(r)).toMatchObject({ limit: '3', reset: expect.stringMatching(/^[12]$/) });

    const [refused] = limited;
    expect({ type: refused.contentType, code: refused.body.code }).toEqual({ type: expect.stringContaining('application/problem+json'), code: 'rate_limited' });
    expect(refused.body.detail).toMatch(/2 requests\/s, burst 3/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(headersOf(refused)).toEqual({ limit: '3', remaining: '0', reset: expect.stringMatching(/^[12]$/) });

    const other = await list('calm');
    expect({ status: other.status, ...headersOf(other) }).toEqual({ status: 200, limit: '3', remaining: '2', reset: '1' });

    await waitFor(async () => (await list('busy')).status === 200, { timeoutMs: 5_000, intervalMs: 250, what: 'busy to be let in again' });
  });

  it('counts only requests that passed authentication and authorization', async () => {
    const readOnly = await stack.authHeader({ tenant: 'picky', scopes: ['orch:read'] });
    for (let i = 0; i < 5; i++) {
      const refused = await stack.submit({ project: 'p1', jobType: 'demo.echo', payload: {} }, readOnly);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-ratelimit-remaining')).toBeNull();
      expect((await stack.call('/api/v1/jobs', { headers: { authorization: 'Bearer x.y.z', 'X-Orch-Tenant': 'picky' } })).status).toBe(401);
    }
    const first = await list('picky');
    expect({ status: first.status, remaining: headersOf(first).remaining }).toEqual({ status: 200, remaining: '2' });
  });

  it('does not limit the health probes', async () => {
    const probes = await Promise.all(Array.from({ length: 6 }, () => stack.call('/healthz')));
    expect(probes.map((p) => p.status)).toEqual(Array(6).fill(200));
    expect(probes[0].headers.get('x-ratelimit-limit')).toBeNull();
  });
});
