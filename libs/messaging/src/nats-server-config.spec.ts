import { workerInboxPrefix } from '@orch/contracts';
import { generatePrincipals, natsAccountName, parseTenants, renderNatsServerConfig, workerPermissions } from './nats-server-config';

describe('NATS permissions of a tenant worker', () => {
  it('may publish only its own worker requests, log lines and artifact-bucket puts', () => {
    expect(workerPermissions('orch', 't1').publish).toEqual([
      'orch.worker.t1.>',
      'orch.log.t1.>',
      '$O.orch_artifacts_t1.>',
      '$JS.API.STREAM.MSG.GET.OBJ_orch_artifacts_t1',
      '$JS.API.STREAM.PURGE.OBJ_orch_artifacts_t1',
    ]);
  });

  it('may subscribe only to its own inboxes and cancel notices', () => {
    expect(workerPermissions('orch', 't1').subscribe).toEqual([`${workerInboxPrefix('t1')}.>`, 'orch.cancel.t1.>']);
    expect(workerInboxPrefix('t1')).toBe('_INBOX_t1');
  });

  it('never grants the JetStream API beyond its own bucket, dispatch, events, commands or a wildcard tenant', () => {
    const all = [...workerPermissions('orch', 'acme').publish, ...workerPermissions('orch', 'acme').subscribe];
    for (const s of all) {
      expect(s).not.toMatch(/\.dispatch\.|\.evt\.|\.cmd\.|\.notify\.|\*|^>|^orch\.>$/);
      expect(s).toContain('acme');
    }
    // The only JetStream API subjects: a message lookup and a purge of its own bucket's stream, no wildcard.
    expect(all.filter((s) => s.startsWith('$JS'))).toEqual(['$JS.API.STREAM.MSG.GET.OBJ_orch_artifacts_acme', '$JS.API.STREAM.PURGE.OBJ_orch_artifacts_acme']);
  });
});

describe('generated NATS users', () => {
  it('makes a services user and one worker user per tenant, each with its own nkey', () => {
    const ps = generatePrincipals({ namespace: 'orch', tenants: ['t1', 't2'], auth: 'nkey' });
    expect(ps.map((p) => [p.role, p.tenant, p.user])).toEqual([
      ['services', undefined, 'orch-services'],
      ['worker', 't1', 'orch-worker-t1'],
      ['worker', 't2', 'orch-worker-t2'],
    ]);
    expect(new Set(ps.map((p) => p.nkeySeed)).size).toBe(3);
    for (const p of ps) {
      expect(p.nkeySeed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(p.nkeyPublic).toMatch(/^U[A-Z2-7]{55}$/);
      expect(p.password).toBeUndefined();
    }
    expect(ps[0].permissions).toBeUndefined();
    expect(ps[1].permissions).toEqual(workerPermissions('orch', 't1'));
  });

  it('makes distinct random passwords in password mode', () => {
    const ps = generatePrincipals({ namespace: 'orch', tenants: ['t1'], auth: 'password' });
    expect(ps.map((p) => p.password?.length)).toEqual([32, 32]);
    expect(ps[0].password).not.toBe(ps[1].password);
  });

  it('refuses a tenant id that would not be one subject token', () => {
    expect(() => parseTenants('t1,T 2')).toThrow(/invalid tenant "T 2"/);
    expect(() => parseTenants('a.b')).toThrow(/invalid tenant/);
    expect(() => parseTenants(' , ')).toThrow(/no tenants/);
    expect(parseTenants('t1, t2,t1')).toEqual(['t1', 't2']);
  });
});

describe('rendered nats-server configuration', () => {
  it('enables JetStream and puts every user in the installation account, workers with allow lists', () => {
    const ps = generatePrincipals({ namespace: 'orch', tenants: ['t1'], auth: 'nkey' });
    const conf = renderNatsServerConfig({ namespace: 'orch', principals: ps });
    expect(conf).toMatch(/^jetstream \{\}$/m);
    expect(natsAccountName('orch')).toBe('ORCH');
    expect(conf).toContain('  ORCH: {\n    jetstream: enabled\n    users: [');
    expect(conf).toContain(`      { nkey: "${ps[0].nkeyPublic}" }`);
    expect(conf).toContain('publish: { allow: ["orch.worker.t1.>", "orch.log.t1.>", "$O.orch_artifacts_t1.>", "$JS.API.STREAM.MSG.GET.OBJ_orch_artifacts_t1", "$JS.API.STREAM.PURGE.OBJ_orch_artifacts_t1"] }');
    expect(conf).toContain('subscribe: { allow: ["_INBOX_t1.>", "orch.cancel.t1.>"] }');
    expect(conf).toContain('no secrets');
  });

  it('never writes an nkey seed into the configuration', () => {
    const ps = generatePrincipals({ namespace: 'orch', tenants: ['t1', 't2'], auth: 'nkey' });
    const conf = renderNatsServerConfig({ namespace: 'orch', principals: ps });
    for (const p of ps) expect(conf).not.toContain(p.nkeySeed);
  });

  it('writes password logins and says the file is then a secret', () => {
    const ps = generatePrincipals({ namespace: 'prod', tenants: ['t1'], auth: 'password' });
    const conf = renderNatsServerConfig({ namespace: 'prod', principals: ps, storeDir: '/data/js' });
    expect(conf).toContain(`{ user: "prod-services", password: "${ps[0].password}" }`);
    expect(conf).toContain(`user: "prod-worker-t1", password: "${ps[1].password}"`);
    expect(conf).toContain('jetstream {\n  store_dir: "/data/js"\n}');
    expect(conf).toContain('store it as a Secret');
  });

  it('renders only the accounts block for an include', () => {
    const conf = renderNatsServerConfig({ namespace: 'orch', principals: generatePrincipals({ namespace: 'orch', tenants: ['t1'], auth: 'nkey' }), accountsOnly: true });
    expect(conf).not.toContain('jetstream {');
    expect(conf).toMatch(/^accounts \{$/m);
  });

  it('renders only the user entries for adding tenants to an existing account', () => {
    const workers = generatePrincipals({ namespace: 'orch', tenants: ['t3'], auth: 'nkey' }).filter((p) => p.role === 'worker');
    const conf = renderNatsServerConfig({ namespace: 'orch', principals: workers, usersOnly: true });
    expect(conf).not.toMatch(/accounts|jetstream|orch-services/);
    expect(conf).toContain(`nkey: "${workers[0].nkeyPublic}"`);
    expect(conf).toContain('publish: { allow: ["orch.worker.t3.>", "orch.log.t3.>", "$O.orch_artifacts_t3.>", "$JS.API.STREAM.MSG.GET.OBJ_orch_artifacts_t3", "$JS.API.STREAM.PURGE.OBJ_orch_artifacts_t3"] }');
  });
});
