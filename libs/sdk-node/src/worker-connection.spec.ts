import { nkeys } from '@nats-io/transport-node';
import { workerAuth } from './worker-connection';

describe('worker NATS credentials', () => {
  it('uses no credentials when none are given, and user and pass for a password', () => {
    expect(workerAuth({})).toEqual({});
    expect(workerAuth({ user: 'orch-worker-t1', pass: 'pw' })).toEqual({ user: 'orch-worker-t1', pass: 'pw' });
  });

  it('answers the server nonce with a signature of the nkey seed', () => {
    const kp = nkeys.createUser();
    const seed = new TextDecoder().decode(kp.getSeed());
    const { authenticator } = workerAuth({ nkeySeed: `${seed}\n` });
    const auth = authenticator!('nonce-1') as { nkey: string; sig: string };
    expect(auth.nkey).toBe(kp.getPublicKey());
    expect(kp.verify(new TextEncoder().encode('nonce-1'), nkeys.decode(auth.sig))).toBe(true);
  });

  it('refuses contradictory credentials', () => {
    expect(() => workerAuth({ user: 'u' })).toThrow(/user and pass go together/);
    expect(() => workerAuth({ user: 'u', pass: 'p', nkeySeed: 'SU' })).toThrow(/give one of/);
    expect(() => workerAuth({ nkeySeedFile: '/a', credsFile: '/b' })).toThrow(/give one of/);
  });

  it('refuses a malformed seed without echoing it', () => {
    expect(() => workerAuth({ nkeySeed: 'SUnot-a-seed-but-secret' })).toThrow('worker NATS nkeySeed is not an nkey seed (SU…)');
  });
});
