import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitFor } from './isolation';
import { freePort } from './processes';

/** Where the nats-server binary is looked for after PATH (Debian's package installs it here). */
export const NATS_SERVER_FALLBACK = '/usr/sbin/nats-server';

/** A nats-server of a test's own, with its own configuration, port and JetStream store. */
export interface TestNatsServer {
  url: string;
  port: number;
  /** Everything the server printed. */
  output(): string;
  /** SIGTERM, wait for exit, remove the store and config. */
  stop(): Promise<void>;
}

/** The nats-server binary: `$NATS_SERVER_BIN`, then PATH, then {@link NATS_SERVER_FALLBACK}. @throws Error when there is none. */
export function natsServerBinary(): string {
  const candidates = [
    process.env['NATS_SERVER_BIN'],
    ...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'nats-server')),
    NATS_SERVER_FALLBACK,
  ].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next candidate
    }
  }
  throw new Error(`nats-server not found (looked at $NATS_SERVER_BIN, PATH and ${NATS_SERVER_FALLBACK}); install NATS server 2.9+ to run this test`);
}

/**
 * Starts nats-server with `config` (the file's `listen` and `store_dir` are
 * overridden: 127.0.0.1 on a free port, a temp store) and waits until it
 * accepts TCP connections.
 */
export async function startNatsServer(config: string): Promise<TestNatsServer> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-nats-'));
  const file = path.join(dir, 'nats.conf');
  writeFileSync(file, config, { mode: 0o600 });
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-c', file, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'store')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const cap = (b: Buffer) => (out = (out + b.toString()).slice(-200_000));
  child.stdout?.on('data', cap);
  child.stderr?.on('data', cap);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exitCode = code), resolve())));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`nats-server exited with ${exitCode}:\n${out.slice(-3000)}`);
        return accepts(port);
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `nats-server on port ${port}` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    output: () => out,
    async stop() {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
      cleanup();
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}
