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

  it('connects without credentials by default, and with the DEMO_NATS_* worker credentials when given', () => {
    expect(parseEnv(DemoWorkerConfig, {}).connection()).toEqual({ servers: 'nats://127.0.0.1:4222' });
    expect(parseEnv(DemoWorkerConfig, { DEMO_NATS_USER: 'orch-worker-t1', DEMO_NATS_PASSWORD: 'pw' }).connection()).toMatchObject({ user: 'orch-worker-t1', pass: 'pw' });
    expect(parseEnv(DemoWorkerConfig, { DEMO_NATS_NKEY_SEED_FILE: '/s/seed' }).connection()).toMatchObject({ nkeySeedFile: '/s/seed' });
    // The services' variables are not the worker's: a shared environment must not hand them over.
    expect(parseEnv(DemoWorkerConfig, { NATS_USER: 'orch-services', NATS_PASSWORD: 'pw' }).connection()).toEqual({ servers: 'nats://127.0.0.1:4222' });
  });

  it('refuses half a password login and two mechanisms at once', () => {
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_NATS_USER: 'u' })).toThrow(/DEMO_NATS_PASSWORD must be set when DEMO_NATS_USER is/);
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_NATS_PASSWORD: 'pw' })).toThrow(/DEMO_NATS_USER must be set/);
    expect(() => parseEnv(DemoWorkerConfig, { DEMO_NATS_USER: 'u', DEMO_NATS_PASSWORD: 'pw', DEMO_NATS_CREDS_FILE: '/c' })).toThrow(/must not be combined with/);
  });
});
