import { connect, ConnectionOptions, credsAuthenticator, NatsConnection, nkeyAuthenticator, nkeys } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';

/** How a service reaches NATS. Build it with {@link natsConnectOptions}, never by hand. */
export interface NatsConnectOptions {
  url: string;
  /** Client name shown by the server (service name + role). */
  name: string;
  /** User and password (both or neither). */
  user?: string;
  pass?: string;
  /** Path of a file holding an nkey seed (`SU…`), read at every (re)connect. */
  nkeySeedFile?: string;
  /** Path of a JWT credentials file (`.creds`), read at every (re)connect. */
  credsFile?: string;
}

/**
 * The NATS settings of a service's configuration. `BaseServiceConfig`
 * (libs/service-kit) has every one of them; declared here structurally so the
 * transport does not depend on the config library.
 */
export interface NatsSettings {
  NATS_URL: string;
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_NKEY_SEED_FILE?: string;
  NATS_CREDS_FILE?: string;
}

/** A service's NATS credentials are unusable (unreadable file, not a seed, two mechanisms); fails the boot. */
export class NatsCredentialsError extends Error {
  readonly code = 'nats_credentials_invalid';
  readonly retryable = false;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NatsCredentialsError';
  }
}

/**
 * The one place a service's connection options come from: its configuration's
 * NATS_URL and credentials (NATS_USER + NATS_PASSWORD, NATS_NKEY_SEED_FILE or
 * NATS_CREDS_FILE) under the client name `name`. Used by every
 * `MessagingModule.forRoot` and `JetStreamServer`.
 */
export function natsConnectOptions(config: NatsSettings, name: string): NatsConnectOptions {
  return {
    url: config.NATS_URL,
    name,
    ...(config.NATS_USER !== undefined ? { user: config.NATS_USER, pass: config.NATS_PASSWORD } : {}),
    ...(config.NATS_NKEY_SEED_FILE !== undefined ? { nkeySeedFile: config.NATS_NKEY_SEED_FILE } : {}),
    ...(config.NATS_CREDS_FILE !== undefined ? { credsFile: config.NATS_CREDS_FILE } : {}),
  };
}

/**
 * The authentication part of nats.js connection options. Seed and creds files
 * are read once now (a bad file fails the boot with its path, instead of an
 * endless reconnect loop) and again at every reconnect, so a rotated Secret is
 * picked up without a restart.
 *
 * @throws NatsCredentialsError when two mechanisms are given, or a file is unreadable or malformed.
 */
export function natsAuthOptions(opts: Pick<NatsConnectOptions, 'user' | 'pass' | 'nkeySeedFile' | 'credsFile'>): Pick<ConnectionOptions, 'user' | 'pass' | 'authenticator'> {
  const given = [opts.user !== undefined || opts.pass !== undefined, opts.nkeySeedFile !== undefined, opts.credsFile !== undefined].filter(Boolean).length;
  if (given > 1) throw new NatsCredentialsError('NATS credentials: give one of user/password, nkey seed file or creds file, not several');
  if (opts.user !== undefined || opts.pass !== undefined) {
    if (!opts.user || !opts.pass) throw new NatsCredentialsError('NATS credentials: a user needs a password and a password needs a user');
    return { user: opts.user, pass: opts.pass };
  }
  if (opts.nkeySeedFile !== undefined) {
    const file = opts.nkeySeedFile;
    const seed = () => readSeedFile(file);
    seed();
    return { authenticator: nkeyAuthenticator(seed) };
  }
  if (opts.credsFile !== undefined) {
    const file = opts.credsFile;
    const creds = () => readCredentialsFile(file, 'creds file');
    const authenticator = credsAuthenticator(creds);
    try {
      // Parses the JWT and seed out of the file without talking to a server.
      authenticator('');
    } catch (err) {
      throw new NatsCredentialsError(`NATS creds file ${file} is not a NATS credentials file (JWT and seed)`, { cause: err });
    }
    return { authenticator };
  }
  return {};
}

/**
 * Connects with reconnects forever (services ride out a NATS restart) and
 * waits for the first connection, so a service that starts before NATS waits
 * instead of dying. Refused credentials are not retried forever: nats.js gives
 * up after the second authorization error in a row, so the boot fails.
 */
export function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: opts.url.split(',').map((s) => s.trim()),
    name: opts.name,
    ...natsAuthOptions(opts),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 5_000,
    // nats.js captures a stack trace for every request and JetStream publish to enrich
    // timeouts; on the hot path that costs more than the request itself.
    noAsyncTraces: true,
  });
}

function readCredentialsFile(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new NatsCredentialsError(`cannot read the NATS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

function readSeedFile(file: string): Uint8Array {
  const seed = new TextEncoder().encode(new TextDecoder().decode(readCredentialsFile(file, 'nkey seed file')).trim());
  try {
    nkeys.fromSeed(seed);
  } catch (err) {
    throw new NatsCredentialsError(`NATS nkey seed file ${file} does not hold an nkey seed (SU…)`, { cause: err });
  }
  return seed;
}
