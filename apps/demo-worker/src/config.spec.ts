import { ConfigError, parseEnv } from '@orch/service-kit';
import { DemoWorkerConfig } from './config';

describe('demo-worker configuration', () => {
  it('defaults to one tenant "demo", 8 jobs at once and the broker default lease', () => {
    const c = parseEnv(DemoWorkerConfig, {});
    expect(c.tenants()).toEqual(['demo']);
    expect(c.DEMO_CONCURRENCY).toBe(8);
    expect(c.DEMO_LEASE_MS).toBeUndefined();
  });

  it('reads a comma-separated tenant list, concurrency and lease', () => {
    const c = parseEnv(DemoWorkerConfig, { DEMO_TENANTS: 'a,b-2,a', DEMO_CONCURRENCY: '4', DEMO_LEASE_MS: '5000' });
    expect(c.tenants()).toEqual(['a', 'b-2']);
    expect(c.DEMO_CONCURRENCY).toBe(4);
    expect(c.DEMO_LEASE_MS).toBe(5000);
  });

  it('refuses bad values naming the variable', () => {
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_TENANTS: 'Bad Tenant' })).toThrow(ConfigError);
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_CONCURRENCY: '0' })).toThrow(/DEMO_CONCURRENCY/);
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_LEASE_MS: '10' })).toThrow(/DEMO_LEASE_MS/);
  });
});
