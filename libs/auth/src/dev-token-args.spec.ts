import { parseTokenArgs, parseTtl, TokenArgsError } from './dev-token-args';

function refusal(argv: string[]): string {
  try {
    parseTokenArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenArgsError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('npm run token arguments', () => {
  it('reads a single-tenant request with defaults', () => {
    expect(parseTokenArgs(['--tenant', 't1', '--scopes', 'orch:read,orch:operate'])).toEqual({ subject: 'dev', scopes: ['orch:read', 'orch:operate'], tenant: 't1', ttlSeconds: 3_600 });
  });

  it('reads several tenants, a subject, a ttl and a key directory', () => {
    expect(parseTokenArgs(['--tenants', 'a, b,a', '--scopes', 'orch:read', '--sub', 'alice', '--ttl', '15m', '--keys', '/tmp/k'])).toEqual({
      subject: 'alice',
      scopes: ['orch:read'],
      tenants: ['a', 'b'],
      ttlSeconds: 900,
      keysDir: '/tmp/k',
    });
  });

  it.each([
    [['--tenant', 't1'], /--scopes is required/],
    [['--scopes', 'orch:read'], /--tenant <id> \(or --tenants <a,b>\) is required/],
    [['--tenant', 't1', '--tenants', 'a', '--scopes', 'orch:read'], /not both/],
    [['--tenant', 't1', '--scopes', 'orch:read,orch:admin'], /unknown scope "orch:admin"; known scopes: orch:read, orch:operate, orch:quota, orch:backfill/],
    [['--tenant', 'T1', '--scopes', 'orch:read'], /bad tenant id "T1"/],
    [['--tenants', 'a,b.c', '--scopes', 'orch:read'], /bad tenant id "b.c"/],
    [['--tenant', 't1', '--scopes', 'orch:read', '--ttl', 'forever'], /--ttl must look like/],
    [['--tenant', 't1', '--scopes', 'orch:read', '--colour', 'red'], /colour/],
    [['--tenant', 't1', '--scopes', 'orch:read', 'extra'], /extra/],
  ])('refuses %j', (argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  it.each([
    ['90s', 90],
    ['90', 90],
    ['2h', 7_200],
    ['30d', 2_592_000],
  ])('reads ttl %s as %d seconds', (raw, seconds) => expect(parseTtl(raw)).toBe(seconds));

  it.each(['0s', '31d', '-1h', '1w'])('refuses ttl %s', (raw) => expect(() => parseTtl(raw)).toThrow(TokenArgsError));
});
