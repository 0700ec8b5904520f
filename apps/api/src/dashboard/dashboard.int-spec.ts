import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProblemJsonFilter } from '@orch/service-kit';
import { DashboardModule } from './dashboard.module';

// The dashboard's HTTP surface in a real Nest server (no NATS or PostgreSQL needed: it serves files).
// That it is public behind the api's auth guard is shown by the browser test (test/dashboard).
describe('dashboard static files and config.json', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(DashboardModule.forRoot({ eventsUrl: 'http://127.0.0.1:18085/' }), { logger: false });
    app.useGlobalFilters(new ProblemJsonFilter());
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves the page at /dashboard/ with a strict content security policy', async () => {
    const res = await fetch(`${base}/dashboard/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self' http://127.0.0.1:18085");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toContain('<script type="module" src="app.js"></script>');
  });

  it('redirects /dashboard to /dashboard/ (relative module URLs need the slash), keeping the query', async () => {
    const res = await fetch(`${base}/dashboard?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('dashboard/?x=1');
  });

  it('serves scripts and styles with their types and answers 304 to a matching ETag', async () => {
    const js = await fetch(`${base}/dashboard/lib/token.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = js.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await fetch(`${base}/dashboard/lib/token.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${base}/dashboard/dashboard.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('tells the browser where the event-notifier is', async () => {
    const res = await fetch(`${base}/dashboard/config.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ eventsUrl: 'http://127.0.0.1:18085' });
  });

  it('answers 404 problem+json for anything that is not one of its files, traversal attempts included', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/../config.ts', '/dashboard/%2e%2e/config.ts', '/dashboard/lib/../../dashboard.module.ts', '/dashboard/dashboard-lib.spec.ts']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
