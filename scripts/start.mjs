#!/usr/bin/env node
// `npm start`: makes sure PostgreSQL and NATS run, creates the development
// token signing key if missing (.orch/dev-jwt), then starts the six Orch
// services and the demo worker as separate processes, waits until each is
// ready, prints where everything is (the dashboard link signs in with a demo
// token), and stops them all gracefully on Ctrl-C.
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

// Bearer tokens: with neither AUTH_JWKS_URL nor AUTH_JWKS_FILE set, the api and the event-notifier
// verify against the development key, and a demo token (tenant demo, all scopes) is minted with it.
const devKeys = !process.env.AUTH_JWKS_URL && !process.env.AUTH_JWKS_FILE;
const authEnv = devKeys ? { AUTH_JWKS_FILE: join(root, '.orch/dev-jwt/jwks.json') } : {};
let demoToken;
if (devKeys) {
  const scopes = 'orch:read,orch:operate,orch:quota,orch:backfill';
  const args = ['-r', join(root, 'scripts/register.cjs'), join(root, 'scripts/token.ts'), '--tenant', 'demo', '--scopes', scopes, '--sub', 'demo-operator', '--ttl', '24h'];
  const minted = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (minted.status !== 0) {
    console.error(`could not create the development token: ${minted.stderr}`);
    process.exit(1);
  }
  demoToken = minted.stdout.trim();
}
const serviceEnv = (name) => (name === 'api' || name === 'event-notifier' ? authEnv : {});

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
  run(first.name, `apps/${first.name}/src/main.ts`, { HTTP_PORT: String(first.port), ...serviceEnv(first.name) }, colors[0]);
  await waitReady(first.name, first.port);
  rest.forEach((s, i) => run(s.name, `apps/${s.name}/src/main.ts`, { HTTP_PORT: String(s.port), ...serviceEnv(s.name) }, colors[i + 1]));
  await Promise.all(rest.map((s) => waitReady(s.name, s.port)));
  run('demo-worker', 'apps/demo-worker/src/main.ts', { DEMO_TENANTS: process.env.DEMO_TENANTS ?? 'demo' }, colors[6]);
  // The token rides in the fragment: browsers never send it to the server, and the dashboard removes it from the address bar.
  const dashboard = demoToken
    ? `http://${host}:8080/dashboard/#token=${demoToken}`
    : `http://${host}:8080/dashboard/   (sign in with a token from your identity provider)`;
  const tokenHelp = demoToken
    ? `A demo token (tenant "demo", all four scopes, valid 24 h; more with \`npm run -s token -- --tenant demo --scopes orch:read\`):
  export ORCH_TOKEN=${demoToken}`
    : `Tokens come from your identity provider (AUTH_JWKS_URL or AUTH_JWKS_FILE is set); put one in ORCH_TOKEN.`;
  console.log(`
Orch is running (Ctrl-C stops it):
  dashboard       ${dashboard}
  api             http://${host}:8080/api/v1   (health: /healthz, /readyz)
  events (SSE)    http://${host}:8085/api/v1/events/stream
  demo worker     tenant "demo", job types demo.echo (succeeds), demo.fail (always fails, retries, dead-letters)

${tokenHelp}

Try (every API call needs Authorization: Bearer):
  curl -s -XPOST http://${host}:8080/api/v1/jobs -H "Authorization: Bearer $ORCH_TOKEN" \\
       -H 'content-type: application/json' -H 'Idempotency-Key: hello-1' \\
       -d '{"project":"p1","jobType":"demo.echo","payload":{"hello":"world"}}'
  curl -s http://${host}:8080/api/v1/jobs/<id> -H "Authorization: Bearer $ORCH_TOKEN"
  curl -N http://${host}:8085/api/v1/events/stream -H "Authorization: Bearer $ORCH_TOKEN"
`);
} catch (err) {
  console.error(String(err?.message ?? err));
  await shutdown(1);
}
