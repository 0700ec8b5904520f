import { ApiConfig } from '../config';
import { parseEnv } from '@orch/service-kit';
import { contentSecurityPolicy, DASHBOARD_EVENTS_URL_PATTERN, dashboardSettings } from './dashboard-settings';

describe('dashboard settings (DASHBOARD_EVENTS_URL)', () => {
  it('tells the browser the event-notifier base without a trailing slash and lets the page connect to its origin only', () => {
    const s = dashboardSettings('https://events.example.com:8443/orch/');
    expect(s.client).toEqual({ eventsUrl: 'https://events.example.com:8443/orch' });
    expect(s.contentSecurityPolicy).toContain("connect-src 'self' https://events.example.com:8443;");
    expect(s.contentSecurityPolicy).toContain("script-src 'self';");
    expect(s.contentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it('keeps the page on its own origin when an ingress serves the streams there (a path)', () => {
    expect(dashboardSettings('/')).toEqual({ client: { eventsUrl: '' }, contentSecurityPolicy: contentSecurityPolicy() });
    expect(dashboardSettings('/orch').client.eventsUrl).toBe('/orch');
    expect(contentSecurityPolicy()).toContain("connect-src 'self';");
  });

  it.each([['http://127.0.0.1:8085'], ['https://events.example.com/'], ['/'], ['/orch/events']])('accepts %p', (v) => {
    expect(DASHBOARD_EVENTS_URL_PATTERN.test(v)).toBe(true);
  });

  it.each([['127.0.0.1:8085'], ['ftp://x'], ['http://x/?a=1'], ['http://u@x'], ['javascript:alert(1)'], ['http://x#f']])('refuses %p', (v) => {
    expect(DASHBOARD_EVENTS_URL_PATTERN.test(v)).toBe(false);
  });

  it('defaults to the event-notifier of npm start and refuses a bad value at boot, naming the variable', () => {
    const env = { AUTH_JWKS_URL: 'https://idp.example/jwks' };
    expect(parseEnv(ApiConfig, env).DASHBOARD_EVENTS_URL).toBe('http://127.0.0.1:8085');
    expect(() => parseEnv(ApiConfig, { ...env, DASHBOARD_EVENTS_URL: 'events:8085' })).toThrow(/DASHBOARD_EVENTS_URL/);
  });
});
