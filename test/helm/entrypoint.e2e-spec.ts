import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helm-cli';

const ENTRYPOINT = join(REPO_ROOT, 'deploy', 'entrypoint.sh');
const APPS = ['api', 'scheduler', 'lease-broker', 'ledger-writer', 'rate-limiter', 'event-notifier', 'demo-worker'];

// A stand-in for node: prints where and how it was started; with FAKE_NODE_WAIT=1 it waits for SIGTERM.
const FAKE_NODE = `#!/usr/bin/env bash
printf 'cwd=%s\\n' "$PWD"
printf 'arg=%s\\n' "$@"
printf 'ORCH_SERVICE=%s\\n' "$ORCH_SERVICE"
if [[ \${FAKE_NODE_WAIT:-} == 1 ]]; then
  trap 'echo got-SIGTERM; exit 0' TERM
  echo ready
  while :; do sleep 0.05; done
fi
`;

describe('deploy/entrypoint.sh (the image entrypoint), run with bash and a stand-in node', () => {
  let work: string;
  let appDir: string;
  let binDir: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'orch-entrypoint-'));
    appDir = join(work, 'app');
    binDir = join(work, 'bin');
    for (const app of APPS.filter((a) => a !== 'demo-worker')) {
      mkdirSync(join(appDir, 'apps', app, 'src'), { recursive: true });
      writeFileSync(join(appDir, 'apps', app, 'src', 'main.ts'), '');
    }
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'node'), FAKE_NODE);
    chmodSync(join(binDir, 'node'), 0o755);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  function run(args: string[], extraEnv: Record<string, string>, withAppDir = true) {
    const env: Record<string, string> = { PATH: `${binDir}:${process.env.PATH}`, ...extraEnv };
    if (withAppDir) env.ORCH_APP_DIR = appDir;
    const r = spawnSync('bash', [ENTRYPOINT, ...args], { env, encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it.each(APPS.filter((a) => a !== 'demo-worker'))('starts apps/%s/src/main.ts through the swc register hook when ORCH_SERVICE names it', (app) => {
    const r = run([], { ORCH_SERVICE: app });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`cwd=${appDir}\narg=-r\narg=./scripts/register.cjs\narg=apps/${app}/src/main.ts\nORCH_SERVICE=${app}\n`);
  });

  it('takes the app from the first container argument and passes the remaining arguments to it', () => {
    const r = run(['scheduler', '--flag', 'x y'], {});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('arg=apps/scheduler/src/main.ts\narg=--flag\narg=x y\nORCH_SERVICE=scheduler\n');
  });

  it('accepts an argument that agrees with ORCH_SERVICE', () => {
    const r = run(['api'], { ORCH_SERVICE: 'api' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('arg=apps/api/src/main.ts');
  });

  it.each(['billing', '../api', 'api/../scheduler', ''])('refuses the unknown app %j with exit code 64 and names the valid ones', (app) => {
    const r = run([], { ORCH_SERVICE: app });
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('api scheduler lease-broker ledger-writer rate-limiter event-notifier demo-worker');
  });

  it('refuses an argument that disagrees with ORCH_SERVICE', () => {
    const r = run(['scheduler'], { ORCH_SERVICE: 'api' });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('ORCH_SERVICE=api and argument');
    expect(r.stdout).toBe('');
  });

  it('fails with exit code 66 when a known app is missing from the image', () => {
    const r = run([], { ORCH_SERVICE: 'demo-worker' });
    expect(r.status).toBe(66);
    expect(r.stderr).toContain('apps/demo-worker/src/main.ts does not exist');
  });

  it('runs from the directory above deploy/ when ORCH_APP_DIR is not set (/app in the image)', () => {
    const r = run([], { ORCH_SERVICE: 'ledger-writer' }, false);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`cwd=${REPO_ROOT}\n`);
  });

  it('replaces itself with node, so a SIGTERM sent to the container process reaches the app', async () => {
    // Its own process group, so a failing run (bash killed, stand-in orphaned) can be cleaned up whole.
    const child = spawn('bash', [ENTRYPOINT], {
      env: { PATH: `${binDir}:${process.env.PATH}`, ORCH_APP_DIR: appDir, ORCH_SERVICE: 'api', FAKE_NODE_WAIT: '1' },
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // 'close' fires once stdout is drained too, so the trap's output is in `out` by then.
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`exited before it was ready (${code}): ${out}`)));
        child.stdout.on('data', () => out.includes('ready\n') && resolve());
      });
      child.removeAllListeners('exit');
      // Signal only the process we started (the entrypoint's PID), as a container runtime would.
      child.kill('SIGTERM');
      const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('still running 5 s after SIGTERM'), 5_000).unref());
      expect(await Promise.race([closed, deadline])).toBe(0);
      expect(out).toContain('got-SIGTERM');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 20_000);
});
