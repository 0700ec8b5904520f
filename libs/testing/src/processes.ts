import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { waitFor } from './isolation';

/** Repository root (libs/testing/src → ../../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A service started as its own process. */
export interface ServiceProcess {
  name: string;
  port: number;
  baseUrl: string;
  child: ChildProcess;
  /** Everything it printed (stdout + stderr). */
  output(): string;
  /** SIGTERM, wait for exit (SIGKILL after `graceMs`). Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs a TypeScript entry point as a process (swc-node, path aliases). */
export function spawnTs(entry: string, env: Record<string, string>, name = path.basename(entry)): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // ORCH_TEST_NODE_ARGS passes extra node flags to every spawned process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const nodeArgs = (process.env['ORCH_TEST_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '-r', path.join(REPO_ROOT, 'scripts', 'register.cjs'), path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env['ORCH_TEST_LOG_LEVEL'] ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const cap = (b: Buffer) => {
    out += b.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    if (process.env['ORCH_TEST_ECHO']) process.stderr.write(`[${name}] ${b.toString()}`);
  };
  child.stdout?.on('data', cap);
  child.stderr?.on('data', cap);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * Starts `apps/<name>/src/main.ts` on a free port and waits until its
 * `/readyz` answers 200.
 */
export async function startService(name: string, env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<ServiceProcess> {
  const port = env['HTTP_PORT'] ? Number(env['HTTP_PORT']) : await freePort();
  const proc = spawnTs(`apps/${name}/src/main.ts`, { ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' }, name);
  const baseUrl = `http://127.0.0.1:${port}`;
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  try {
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}:\n${proc.output().slice(-4000)}`);
        const res = await fetch(`${baseUrl}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 100, what: `${name} /readyz` },
    );
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw new Error(`${name} did not become ready: ${(err as Error).message}\n--- output ---\n${proc.output().slice(-4000)}`);
  }
  return {
    name,
    port,
    baseUrl,
    child: proc.child,
    output: proc.output,
    exited: proc.exited,
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      proc.child.kill('SIGTERM');
      const t = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
      const code = await proc.exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      if (exitCode !== undefined) return;
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
  };
}
