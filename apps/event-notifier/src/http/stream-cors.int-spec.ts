import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamCorsModule } from './stream-cors.module';

// The CORS wiring in a real Nest HTTP server (the module's routes and preflights), without NATS: the
// stream controllers are stand-ins that answer like the real routes do before streaming.
@Controller('api/v1')
class StandInController {
  @Get('events/stream')
  events(): string {
    return 'events';
  }

  @Get('jobs/:id/logs/stream')
  logs(): string {
    return 'logs';
  }

  @Get('jobs/:id')
  job(): string {
    return 'job';
  }
}

@Module({ imports: [StreamCorsModule.forRoot('http://127.0.0.1:8080, https://Dash.Example.com:443')], controllers: [StandInController] })
class TestModule {}

describe('event-notifier CORS on the stream routes (CORS_ORIGINS)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(TestModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets a listed origin GET the event stream and a job log stream', async () => {
    for (const path of ['/api/v1/events/stream?access_token=x', '/api/v1/jobs/0191e1b4-0000-7000-8000-000000000000/logs/stream']) {
      const res = await fetch(`${base}${path}`, { headers: { origin: 'http://127.0.0.1:8080' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
    const normalised = await fetch(`${base}/api/v1/events/stream`, { headers: { origin: 'https://dash.example.com' } });
    expect(normalised.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
  });

  it('answers a GET preflight of a listed origin with GET and the stream headers only', async () => {
    const res = await fetch(`${base}/api/v1/events/stream`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET');
    expect(res.headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
  });

  it('grants nothing to an origin that is not listed, nor for another method', async () => {
    const other = await fetch(`${base}/api/v1/events/stream`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/api/v1/events/stream`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('leaves every other route same-origin only', async () => {
    const res = await fetch(`${base}/api/v1/jobs/0191e1b4-0000-7000-8000-000000000000`, { headers: { origin: 'http://127.0.0.1:8080' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
