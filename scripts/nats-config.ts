// Generates a nats-server configuration for one Orch installation: JetStream on, one account,
// a `services` user and a least-privilege worker user per tenant (deploy/nats/README.md).
//
//   npm run nats-config -- --namespace orch --tenants t1,t2 [--auth nkey|password] [--out nats.conf]
//                          [--secrets-dir dir] [--store-dir /data/jetstream] [--accounts-only | --workers-only]
//
// --workers-only renders just the worker users of --tenants, to add tenants to an existing config.
// The configuration goes to --out (or stdout). The credentials are shown once on stderr, or, with
// --secrets-dir, written as <dir>/<user>/{user,password | seed} (mode 0600), ready for
// `kubectl create secret generic <name> --from-file=<dir>/<user>/`.
import { generatePrincipals, NatsAuthKind, natsAccountName, NatsPrincipal, parseTenants, renderNatsServerConfig } from '@orch/messaging';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run nats-config -- --tenants t1,t2 [--namespace orch] [--auth nkey|password] [--out file]
                          [--secrets-dir dir] [--store-dir dir] [--accounts-only | --workers-only]`;

function main(): void {
  const { values } = parseArgs({
    options: {
      namespace: { type: 'string', default: 'orch' },
      tenants: { type: 'string' },
      auth: { type: 'string', default: 'nkey' },
      out: { type: 'string' },
      'secrets-dir': { type: 'string' },
      'store-dir': { type: 'string' },
      'accounts-only': { type: 'boolean', default: false },
      'workers-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return void console.log(USAGE);
  if (!values.tenants) throw new UsageError('--tenants is required');
  if (values.auth !== 'nkey' && values.auth !== 'password') throw new UsageError(`--auth must be nkey or password (got "${values.auth}")`);
  const namespace = values.namespace!;
  if (values['accounts-only'] && values['workers-only']) throw new UsageError('--accounts-only and --workers-only exclude each other');
  const workersOnly = values['workers-only'];
  const principals = generatePrincipals({ namespace, tenants: parseTenants(values.tenants), auth: values.auth as NatsAuthKind }).filter(
    (p) => !workersOnly || p.role === 'worker',
  );
  const config = renderNatsServerConfig({ namespace, principals, storeDir: values['store-dir'], accountsOnly: values['accounts-only'], usersOnly: workersOnly });

  const secret = values.auth === 'password';
  if (values.out) {
    writeFileSync(values.out, config, { mode: secret ? 0o600 : 0o644 });
    console.error(`Wrote ${values.out}: account ${natsAccountName(namespace)}, ${principals.length} users (${secret ? 'clear-text passwords: keep this file secret' : 'nkey public keys only'}).`);
  } else {
    process.stdout.write(config);
  }

  const dir = values['secrets-dir'];
  if (dir) {
    for (const p of principals) writeCredentials(dir, p);
    console.error(`Credentials written to ${dir}/<user>/ (mode 0600), e.g.:`);
    console.error(`  kubectl -n <k8s-namespace> create secret generic ${principals[0].user} --from-file=${path.join(dir, principals[0].user)}/`);
    return;
  }
  console.error('\nCredentials, shown once: store them now (deploy/nats/README.md, "Kubernetes").');
  for (const p of principals) {
    const who = p.role === 'services' ? 'services' : `tenant ${p.tenant} workers`;
    const secretText = p.nkeySeed ? `seed ${p.nkeySeed}  (public key ${p.nkeyPublic})` : `user ${p.user}  password ${p.password}`;
    console.error(`  ${p.user.padEnd(24)} ${who.padEnd(24)} ${secretText}`);
  }
}

/** `<dir>/<user>/user` + `password`, or `<dir>/<user>/seed`: one Kubernetes Secret per directory. */
function writeCredentials(dir: string, p: NatsPrincipal): void {
  const target = path.join(dir, p.user);
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const files: Record<string, string> = p.nkeySeed ? { seed: p.nkeySeed } : { user: p.user, password: p.password ?? '' };
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(target, name), content, { mode: 0o600 });
}

class UsageError extends Error {
  readonly code = 'usage';
}

try {
  main();
} catch (err) {
  console.error(`nats-config: ${(err as Error).message}${err instanceof UsageError ? `\n${USAGE}` : ''}`);
  process.exit(err instanceof UsageError ? 64 : 1);
}
