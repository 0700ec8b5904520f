#!/usr/bin/env node
// `npm start`: makes sure PostgreSQL and NATS run, then starts the six Orch
// services and the demo worker as separate processes, waits until each is
// ready, prints where everything is, and stops them all gracefully on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.HTTP_HOST ?? '127.0.0.1';
const services = [
  { name: 'ledger-writer', port: 8083 },
  { name: 'rate-limiter', port: 8084 },
  { name: 'scheduler', port: 8081 },
  { name: 'lease-broker', port: 8082 },
  { name: 'event-notifier', port: 8085 },
  { name: 'api', port: 8080 },
];
const colors = [31, 32, 33, 34, 35, 36, 90];

if (process.env.ORCH_SKIP_INFRA !== '1') {
  const infra = spawnSync('bash', [join(root, 'scripts/ensure-infra.sh')], { stdio: 'inherit' });
  if (infra.status !== 0) process.exit(infra.status ?? 1);
}

const children = [];
let stopping = false;

function run(name, entry, env, color) {
  const child = spawn(process.execPath, ['-r', join(root, 'scripts/register.cjs'), join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `\x1b[${color}m${name.padEnd(14)}\x1b[0m| `;
  const pipe = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) out.write(prefix + l + '\n');
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping everything`);
      shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function waitReady(name, port) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${host}:${port}/readyz`);
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready on port ${port} within 90 s`);
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping Orch (draining each service)…');
  for (const { child } of [...children].reverse()) child.kill('SIGTERM');
  const hard = setTimeout(() => {
    for (const { child } of children) child.kill('SIGKILL');
  }, 20_000);
  await Promise.all(children.map(({ child }) => (child.exitCode !== null ? null : new Promise((r) => child.on('exit', r)))));
  clearTimeout(hard);
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  // ledger-writer first: it owns and migrates the ledger schema the others read.
  const [first, ...rest] = services;
  run(first.name, `apps/${first.name}/src/main.ts`, { HTTP_PORT: String(first.port) }, colors[0]);
  await waitReady(first.name, first.port);
  rest.forEach((s, i) => run(s.name, `apps/${s.name}/src/main.ts`, { HTTP_PORT: String(s.port) }, colors[i + 1]));
  await Promise.all(rest.map((s) => waitReady(s.name, s.port)));
  run('demo-worker', 'apps/demo-worker/src/main.ts', { DEMO_TENANTS: process.env.DEMO_TENANTS ?? 'demo' }, colors[6]);
  console.log(`
Orch is running (Ctrl-C stops it):
  api             http://${host}:8080/api/v1   (health: /healthz, /readyz)
  events (SSE)    http://${host}:8085/api/v1/events/stream?tenant=demo
  demo worker     tenant "demo", job types demo.echo (succeeds), demo.fail (always fails, retries, dead-letters)

Try:
  curl -s -XPOST http://${host}:8080/api/v1/jobs -H 'content-type: application/json' -H 'Idempotency-Key: hello-1' \\
       -d '{"tenant":"demo","project":"p1","jobType":"demo.echo","payload":{"hello":"world"}}'
  curl -s http://${host}:8080/api/v1/jobs/<id> -H 'X-Orch-Tenant: demo'
`);
} catch (err) {
  console.error(String(err?.message ?? err));
  await shutdown(1);
}
