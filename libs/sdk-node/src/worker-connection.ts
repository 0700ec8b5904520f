import { connect, credsAuthenticator, NatsConnection, nkeyAuthenticator, nkeys } from '@nats-io/transport-node';
import { workerInboxPrefix } from '@orch/contracts';
import { readFileSync } from 'node:fs';

/** Default NATS server of a worker. */
export const WORKER_NATS_URL_DEFAULT = 'nats://127.0.0.1:4222';

/**
 * Where and as whom a worker connects. Credentials are the tenant's worker
 * credentials (deploy/nats/README.md): give at most one of user + pass,
 * `nkeySeed` / `nkeySeedFile`, or `credsFile`; none for a server without auth.
 */
export interface WorkerConnectionOptions {
  /** Server URL(s); a string may be comma-separated. Default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  user?: string;
  pass?: string;
  /** The nkey seed itself (`SU…`). */
  nkeySeed?: string;
  /** Path of a file holding the nkey seed; read at every (re)connect, so a rotated file is picked up. */
  nkeySeedFile?: string;
  /** Path of a JWT credentials file (`.creds`); read at every (re)connect. */
  credsFile?: string;
  /**
   * Prefix of the connection's reply subjects, for requests and JetStream publish acks alike.
   * Default `_INBOX_<tenant>`: the only inboxes a tenant's worker credentials may subscribe to.
   */
  inboxPrefix?: string;
}

/**
 * Opens a worker's NATS connection for `tenant`: its credentials, the tenant's
 * inbox prefix, reconnects forever, waits for the first connection.
 *
 * @throws Error when the credentials are contradictory or a seed/creds file is unreadable or malformed.
 */
export function connectWorkerNats(tenant: string, opts: WorkerConnectionOptions & { name?: string }): Promise<NatsConnection> {
  const servers = opts.servers ?? WORKER_NATS_URL_DEFAULT;
  return connect({
    servers: typeof servers === 'string' ? servers.split(',').map((s) => s.trim()) : servers,
    name: opts.name,
    inboxPrefix: opts.inboxPrefix ?? workerInboxPrefix(tenant),
    ...workerAuth(opts),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Capturing a stack per request costs more than the request on a busy worker.
    noAsyncTraces: true,
  });
}

/** The nats.js authentication options of a worker; exported for tests. */
export function workerAuth(opts: WorkerConnectionOptions): { user?: string; pass?: string; authenticator?: ReturnType<typeof nkeyAuthenticator> } {
  const password = opts.user !== undefined || opts.pass !== undefined;
  const kinds = [password, opts.nkeySeed !== undefined, opts.nkeySeedFile !== undefined, opts.credsFile !== undefined].filter(Boolean).length;
  if (kinds > 1) throw new Error('worker NATS credentials: give one of user/pass, nkeySeed, nkeySeedFile or credsFile');
  if (password) {
    if (!opts.user || !opts.pass) throw new Error('worker NATS credentials: user and pass go together');
    return { user: opts.user, pass: opts.pass };
  }
  if (opts.nkeySeed !== undefined) {
    const seed = parseSeed(opts.nkeySeed, 'nkeySeed');
    return { authenticator: nkeyAuthenticator(seed) };
  }
  if (opts.nkeySeedFile !== undefined) {
    const file = opts.nkeySeedFile;
    const seed = () => parseSeed(readFile(file, 'nkey seed file'), `nkey seed file ${file}`);
    seed();
    return { authenticator: nkeyAuthenticator(seed) };
  }
  if (opts.credsFile !== undefined) {
    const file = opts.credsFile;
    const authenticator = credsAuthenticator(() => new TextEncoder().encode(readFile(file, 'creds file')));
    try {
      authenticator('');
    } catch (err) {
      throw new Error(`worker NATS creds file ${file} is not a NATS credentials file (JWT and seed)`, { cause: err });
    }
    return { authenticator };
  }
  return {};
}

function readFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the worker's NATS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

function parseSeed(text: string, what: string): Uint8Array {
  const seed = new TextEncoder().encode(text.trim());
  try {
    nkeys.fromSeed(seed);
  } catch (err) {
    // Never echo the value: it may be a secret that is merely malformed.
    throw new Error(`worker NATS ${what} is not an nkey seed (SU…)`, { cause: err });
  }
  return seed;
}
