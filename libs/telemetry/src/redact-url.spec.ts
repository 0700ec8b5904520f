import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('hides access tokens in the query and keeps everything else', () => {
    expect(redactUrl('/api/v1/events/stream?tenant=a&access_token=eyJ.x.y&from=start')).toBe('/api/v1/events/stream?tenant=a&access_token=[REDACTED]&from=start');
    expect(redactUrl('/s?ACCESS_TOKEN=abc')).toBe('/s?ACCESS_TOKEN=[REDACTED]');
    expect(redactUrl('/api/v1/jobs?page_token=abc')).toBe('/api/v1/jobs?page_token=abc');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
