import { natsAuthOptions, natsConnectOptions, NatsCredentialsError } from './connection';

describe('natsConnectOptions', () => {
  it('passes the URL and name and no credentials when none are configured', () => {
    expect(natsConnectOptions({ NATS_URL: 'nats://a:4222,nats://b:4222' }, 'ledger-writer')).toEqual({ url: 'nats://a:4222,nats://b:4222', name: 'ledger-writer' });
  });

  it('maps each credential variable to its connection option', () => {
    expect(natsConnectOptions({ NATS_URL: 'nats://n:4222', NATS_USER: 'orch-services', NATS_PASSWORD: 'pw' }, 'api')).toMatchObject({ user: 'orch-services', pass: 'pw' });
    expect(natsConnectOptions({ NATS_URL: 'nats://n:4222', NATS_NKEY_SEED_FILE: '/s/seed' }, 'api')).toMatchObject({ nkeySeedFile: '/s/seed' });
    expect(natsConnectOptions({ NATS_URL: 'nats://n:4222', NATS_CREDS_FILE: '/s/orch.creds' }, 'api')).toMatchObject({ credsFile: '/s/orch.creds' });
  });
});

describe('natsAuthOptions', () => {
  it('gives nats.js nothing without credentials, and user and pass for a password', () => {
    expect(natsAuthOptions({})).toEqual({});
    expect(natsAuthOptions({ user: 'u', pass: 'p' })).toEqual({ user: 'u', pass: 'p' });
  });

  it('refuses half a password login and two mechanisms at once', () => {
    expect(() => natsAuthOptions({ user: 'u' })).toThrow(NatsCredentialsError);
    expect(() => natsAuthOptions({ pass: 'p' })).toThrow(/a user needs a password/);
    expect(() => natsAuthOptions({ user: 'u', pass: 'p', nkeySeedFile: '/x' })).toThrow(/not several/);
    expect(() => natsAuthOptions({ nkeySeedFile: '/x', credsFile: '/y' })).toThrow(/not several/);
  });
});
