import { nkeys } from '@nats-io/transport-node';
import { artifactBucket, artifactBucketStream, ID_TOKEN_PATTERN, orchNames, workerInboxPrefix } from '@orch/contracts';
import { randomBytes } from 'node:crypto';

/** How generated NATS users authenticate: nkeys (the config holds public keys only) or passwords. */
export type NatsAuthKind = 'nkey' | 'password';

/** Subjects a NATS user may publish and subscribe to (allow lists: everything else is denied). */
export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
}

/** One NATS user of an Orch installation, with its credentials. */
export interface NatsPrincipal {
  /** `services` (all six Orch services) or one tenant's worker fleet. */
  role: 'services' | 'worker';
  /** The worker's tenant. */
  tenant?: string;
  /** User name (`<ns>-services`, `<ns>-worker-<tenant>`); the login with passwords, a label with nkeys. */
  user: string;
  password?: string;
  /** nkey seed (`SU…`): the secret a worker or service keeps. */
  nkeySeed?: string;
  /** nkey public key (`U…`): what the server configuration holds. */
  nkeyPublic?: string;
  /** None for the services: the account is their boundary. */
  permissions?: SubjectPermissions;
}

/** Options of {@link renderNatsServerConfig}. */
export interface NatsServerConfigOptions {
  namespace: string;
  principals: NatsPrincipal[];
  /** Only the `accounts { … }` block, for an `include` from an existing server configuration. */
  accountsOnly?: boolean;
  /** Only the user entries, to paste into an existing account's `users` list (adding a tenant). */
  usersOnly?: boolean;
  /** JetStream `store_dir`; the server's default (a temp directory) when unset. */
  storeDir?: string;
}

/**
 * Least privilege of a tenant's workers (docs/protocol.md):
 * - publish `<ns>.worker.<t>.>`: the worker protocol requests (claim … fail);
 * - publish `<ns>.log.<t>.>`: log lines, JetStream publishes (their acks come back to the inbox);
 * - subscribe `_INBOX_<t>.>`: replies and publish acks (the SDK's inbox prefix);
 * - subscribe `<ns>.cancel.<t>.>`: cancel notices of the tenant's running jobs;
 * - publish `$O.<bucket>.>`, `$JS.API.STREAM.MSG.GET.OBJ_<bucket>` and `$JS.API.STREAM.PURGE.OBJ_<bucket>`
 *   of the tenant's artifact bucket (`<ns>_artifacts_<t>`): what an object-store put needs (chunks and
 *   metadata, the lookup of an existing entry, the purge of a failed put's chunks) and nothing more.
 * Nothing else: no other JetStream API (no stream or consumer created, listed or deleted), no other
 * tenant or bucket, no dispatch, events, notifier or commands.
 */
export function workerPermissions(namespace: string, tenant: string): SubjectPermissions {
  const names = orchNames(namespace);
  const bucket = artifactBucket(namespace, tenant);
  const stream = artifactBucketStream(bucket);
  return {
    publish: [`${namespace}.worker.${tenant}.>`, names.log(tenant, '>'), `$O.${bucket}.>`, `$JS.API.STREAM.MSG.GET.${stream}`, `$JS.API.STREAM.PURGE.${stream}`],
    subscribe: [`${workerInboxPrefix(tenant)}.>`, names.cancel(tenant, '>')],
  };
}

/** Validated, de-duplicated tenant ids. @throws Error naming a bad id. */
export function parseTenants(list: string | string[]): string[] {
  const tenants = (typeof list === 'string' ? list.split(',') : list).map((t) => t.trim()).filter(Boolean);
  for (const t of tenants) {
    if (!ID_TOKEN_PATTERN.test(t)) throw new Error(`invalid tenant "${t}": expected ${ID_TOKEN_PATTERN}`);
  }
  if (tenants.length === 0) throw new Error('no tenants given');
  return [...new Set(tenants)];
}

/** A services user and one worker user per tenant, with fresh credentials of `auth` kind. */
export function generatePrincipals(opts: { namespace: string; tenants: string[]; auth: NatsAuthKind }): NatsPrincipal[] {
  const ns = orchNames(opts.namespace).namespace;
  const credentials = (): Pick<NatsPrincipal, 'password' | 'nkeySeed' | 'nkeyPublic'> => {
    if (opts.auth === 'password') return { password: randomBytes(24).toString('base64url') };
    const kp = nkeys.createUser();
    return { nkeySeed: new TextDecoder().decode(kp.getSeed()), nkeyPublic: kp.getPublicKey() };
  };
  return [
    { role: 'services', user: `${ns}-services`, ...credentials() },
    ...parseTenants(opts.tenants).map((tenant): NatsPrincipal => ({
      role: 'worker',
      tenant,
      user: `${ns}-worker-${tenant}`,
      ...credentials(),
      permissions: workerPermissions(ns, tenant),
    })),
  ];
}

/** The account of an installation: its namespace upper-cased (`orch` → `ORCH`), like its stream prefix. */
export function natsAccountName(namespace: string): string {
  return orchNames(namespace).namespace.toUpperCase();
}

/**
 * A nats-server (2.9+) configuration: JetStream on, and one account for the
 * installation holding its users. Passwords appear in clear text (keep the
 * file secret, or replace them with bcrypt hashes); nkey users appear by
 * public key only.
 */
export function renderNatsServerConfig(opts: NatsServerConfigOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;
  const hasPasswords = opts.principals.some((p) => p.password !== undefined);
  const users = opts.principals.map((p) => {
    const who = p.role === 'services' ? 'the Orch services (trusted: everything inside the account)' : `tenant ${p.tenant}'s workers (least privilege)`;
    const login = p.nkeyPublic !== undefined ? `nkey: ${q(p.nkeyPublic)}` : `user: ${q(p.user)}, password: ${q(p.password ?? '')}`;
    const lines = [`      # ${p.user}: ${who}`];
    if (!p.permissions) return [...lines, `      { ${login} }`].join('\n');
    return [
      ...lines,
      `      {`,
      `        ${login}`,
      `        permissions: {`,
      `          publish: { allow: ${list(p.permissions.publish)} }`,
      `          subscribe: { allow: ${list(p.permissions.subscribe)} }`,
      `        }`,
      `      }`,
    ].join('\n');
  });
  const accounts = [
    `accounts {`,
    `  # One account per Orch installation: its streams and subjects are invisible to other accounts.`,
    `  ${natsAccountName(opts.namespace)}: {`,
    `    jetstream: enabled`,
    `    users: [`,
    users.join('\n'),
    `    ]`,
    `  }`,
    `}`,
  ];
  const header = [
    `# nats-server configuration of Orch namespace "${opts.namespace}" (NATS 2.9+), generated by \`npm run nats-config\`.`,
    `# The account and permission model is explained in deploy/nats/README.md.`,
    hasPasswords
      ? `# Holds passwords in clear text: store it as a Secret, or replace each password with its bcrypt hash.`
      : `# Holds nkey public keys only, no secrets.`,
  ];
  if (opts.usersOnly) return [`# Users to add to the ${natsAccountName(opts.namespace)} account's users list (deploy/nats/README.md).`, users.join('\n'), ''].join('\n');
  if (opts.accountsOnly) return [...header, '', ...accounts, ''].join('\n');
  const jetstream = opts.storeDir ? [`jetstream {`, `  store_dir: ${q(opts.storeDir)}`, `}`] : [`jetstream {}`];
  return [...header, '', ...jetstream, '', ...accounts, ''].join('\n');
}
