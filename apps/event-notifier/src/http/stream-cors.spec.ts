import { CORS_ORIGINS_PATTERN, corsDecision, parseCorsOrigins } from './stream-cors';

const allowed = parseCorsOrigins('http://127.0.0.1:8080');

describe('CORS_ORIGINS', () => {
  it('accepts a comma list of origins and normalises case and default ports', () => {
    expect(CORS_ORIGINS_PATTERN.test('http://127.0.0.1:8080, https://Dash.example.com:443/')).toBe(true);
    expect([...parseCorsOrigins('http://127.0.0.1:8080, https://Dash.example.com:443/')]).toEqual(['http://127.0.0.1:8080', 'https://dash.example.com']);
  });

  it.each([['*'], ['127.0.0.1:8080'], ['http://a.example/path'], ['http://a.example,'], ['ftp://a.example'], ['http://user@a.example']])('refuses %p', (raw) => {
    expect(CORS_ORIGINS_PATTERN.test(raw)).toBe(false);
  });
});

describe('CORS decision for the stream routes', () => {
  const get = (path: string, origin?: string) => corsDecision({ method: 'GET', path, ...(origin ? { origin } : {}) }, allowed);

  it('allows a listed origin to GET the event and log streams', () => {
    const expected = { kind: 'allow', headers: { Vary: 'Origin', 'Access-Control-Allow-Origin': 'http://127.0.0.1:8080' } };
    expect(get('/api/v1/events/stream', 'http://127.0.0.1:8080')).toEqual(expected);
    expect(get('/api/v1/jobs/abc/logs/stream', 'http://127.0.0.1:8080')).toEqual(expected);
  });

  it('passes same-origin requests, other routes and unlisted origins untouched', () => {
    expect(get('/api/v1/events/stream')).toEqual({ kind: 'pass' });
    expect(get('/api/v1/jobs/abc', 'http://127.0.0.1:8080')).toEqual({ kind: 'pass' });
    expect(get('/api/v1/jobs/a/b/logs/stream', 'http://127.0.0.1:8080')).toEqual({ kind: 'pass' });
    expect(get('/api/v1/events/stream', 'http://127.0.0.1:9999')).toEqual({ kind: 'pass' });
    expect(corsDecision({ method: 'POST', path: '/api/v1/events/stream', origin: 'http://127.0.0.1:8080' }, allowed)).toEqual({ kind: 'pass' });
  });

  it('answers preflights itself, granting GET only to listed origins', () => {
    const preflight = (origin: string, requestMethod: string) => corsDecision({ method: 'OPTIONS', path: '/api/v1/events/stream', origin, requestMethod }, allowed);
    expect(preflight('http://127.0.0.1:8080', 'GET')).toEqual({
      kind: 'preflight',
      headers: {
        Vary: 'Origin',
        'Access-Control-Allow-Origin': 'http://127.0.0.1:8080',
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Last-Event-ID, Authorization, X-Orch-Tenant',
        'Access-Control-Max-Age': '600',
      },
    });
    expect(preflight('http://127.0.0.1:8080', 'PUT')).toEqual({ kind: 'preflight', headers: { Vary: 'Origin', 'Access-Control-Allow-Origin': 'http://127.0.0.1:8080' } });
    expect(preflight('http://evil.example', 'GET')).toEqual({ kind: 'preflight', headers: { Vary: 'Origin' } });
  });
});
