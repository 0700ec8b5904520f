/**
 * End-to-end benchmark: N no-op jobs through the real Orch services and SDK
 * workers, side by side with BullMQ (a peer) on the local Redis, in one run.
 *
 *   npm run bench -- --jobs 2000 --workers 2 --concurrency 50 [--limits on]
 *
 * With `--limits on` the bench tenant has a token bucket per tenant and a
 * concurrency cap per (tenant, jobType), both far above what the run reaches,
 * so every admission is decided (and every slot released) without holding
 * anything back: the figure is the overhead of enforcing limits.
 * Prints throughput (jobs/s, first submit → last terminal), submit→start
 * latency p50/p99 (ledger `job.created` → `job.running`), and peak RSS per
 * process. Orch gets its own database and NATS namespace, removed at the end.
 */
import { E2eCluster, waitFor } from '@orch/testing';
import { parseArgs } from 'node:util';
import { cpuSeconds, cpuSecondsMatching, peakRssMiB, pool, summarize } from './stats';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '50' },
    'submit-concurrency': { type: 'string', default: '32' },
    peers: { type: 'string', default: 'bullmq' },
    /** `on`: the run also passes through limits that never bind (a token bucket and a concurrency cap); `off`: no rules. */
    limits: { type: 'string', default: 'off' },
  },
});
const N = Number(args.jobs);
const WORKERS = Number(args.workers);
const CONCURRENCY = Number(args.concurrency);
const SUBMIT_CONCURRENCY = Number(args['submit-concurrency']);

interface Result {
  system: string;
  jobs: number;
  seconds: number;
  throughput: number;
  latencyMs: { n: number; p50: number; p99: number; max: number };
  memoryMiB: Record<string, number>;
  /** CPU milliseconds per job spent by each process (or process group) during the run. */
  cpuMsPerJob: Record<string, number>;
}

/** CPU seconds so far of named processes; groups are matched by command line. */
function cpuSnapshot(pids: Record<string, number>, groups: Record<string, RegExp>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = cpuSeconds(pid);
  for (const [name, pattern] of Object.entries(groups)) out[name] = cpuSecondsMatching(pattern);
  return out;
}

function cpuPerJob(before: Record<string, number>, after: Record<string, number>, jobs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(before)) out[name] = ((after[name] - before[name]) * 1000) / jobs;
  return out;
}

async function benchOrch(): Promise<Result> {
  const cluster = new E2eCluster({ LOG_LEVEL: 'warn' });
  await cluster.start();
  try {
    const token = await cluster.token({ tenant: 'bench', scopes: ['orch:operate'], sub: 'bench' });
    if (args.limits === 'on') await addLimits(cluster);
    for (let w = 0; w < WORKERS; w++) await cluster.startWorker({ DEMO_TENANTS: 'bench', DEMO_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'warn' });
    // Warm-up: one job end to end.
    await submitOrch(cluster, token, 'warmup');
    await waitFor(async () => (await cluster.pg.query(`SELECT 1 FROM ledger.jobs WHERE status = 'succeeded'`)).rowCount === 1, { timeoutMs: 30_000 });
    const pids: Record<string, number> = { bench: process.pid };
    for (const [name, s] of cluster.services) pids[name] = s.child.pid!;
    cluster.workers.forEach((w, i) => (pids[`demo-worker-${i + 1}`] = w.pid));
    const groups = { postgres: /^postgres: /, 'nats-server': /nats-server/ };
    const cpuBefore = cpuSnapshot(pids, groups);
    const started = Date.now();
    await pool(Array.from({ length: N }, (_, i) => i), SUBMIT_CONCURRENCY, async (i) => submitOrch(cluster, token, `job-${i}`));
    const submitted = Date.now();
    await waitFor(
      async () => (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE status = 'succeeded'`)).rows[0].n === N + 1,
      { timeoutMs: 600_000, intervalMs: 100, what: 'all bench jobs done' },
    );
    const cpuMsPerJob = cpuPerJob(cpuBefore, cpuSnapshot(pids, groups), N);
    const { rows: last } = await cluster.pg.query(`SELECT max(finished_at) AS t FROM ledger.jobs`);
    const seconds = (new Date(last[0].t).getTime() - started) / 1000;
    const { rows: lat } = await cluster.pg.query(`
      SELECT extract(epoch FROM (r.occurred_at - c.occurred_at)) * 1000 AS ms
      FROM ledger.job_events c JOIN ledger.job_events r ON r.job_id = c.job_id AND r.event_type = 'job.running' AND r.attempt = 1
      WHERE c.event_type = 'job.created' AND c.tenant = 'bench'`);
    const memoryMiB: Record<string, number> = {};
    for (const [name, s] of cluster.services) memoryMiB[name] = peakRssMiB(s.child.pid!);
    cluster.workers.forEach((w, i) => (memoryMiB[`demo-worker-${i + 1}`] = peakRssMiB(w.pid)));
    process.stderr.write(`orch: submitted ${N} in ${((submitted - started) / 1000).toFixed(1)} s\n`);
    return { system: `orch (${WORKERS} SDK workers × ${CONCURRENCY}, limits ${args.limits})`, jobs: N, seconds, throughput: N / seconds, latencyMs: summarize(lat.map((r) => Number(r.ms))), memoryMiB, cpuMsPerJob };
  } finally {
    await cluster.stop();
  }
}

/** Limits that apply to every bench job and never bind. */
async function addLimits(cluster: E2eCluster): Promise<void> {
  const token = await cluster.token({ tenant: 'bench', scopes: ['orch:quota'], sub: 'bench-ops' });
  const rules = [
    { id: 'bench-rate', kind: 'rate', per: ['tenant'], ratePerSecond: 100_000, burst: 100_000 },
    { id: 'bench-cap', kind: 'concurrency', per: ['tenant', 'jobType'], maxInFlight: 100_000 },
  ];
  for (const rule of rules) {
    const res = await cluster.api(
      '/api/v1/limits/rules',
      { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': rule.id, 'X-Orch-Reason': 'bench', 'X-Orch-Ticket': 'BENCH-1' }, body: JSON.stringify(rule) },
      token,
    );
    if (res.status >= 300) throw new Error(`limit rule ${rule.id}: ${res.status} ${await res.text()}`);
  }
}

async function submitOrch(cluster: E2eCluster, token: string, key: string): Promise<void> {
  const res = await cluster.api(
    '/api/v1/jobs',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ project: 'p1', jobType: 'demo.noop', payload: {} }),
    },
    token,
  );
  if (res.status !== 201) throw new Error(`submit ${key}: ${res.status} ${await res.text()}`);
}

async function benchBullmq(): Promise<Result> {
   
  const { Queue, Worker } = require('bullmq') as typeof import('bullmq');
  const connection = { host: '127.0.0.1', port: 6379 };
  const name = `bench-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const latencies: number[] = [];
  let done = 0;
  let resolveDone: () => void;
  const allDone = new Promise<void>((r) => (resolveDone = r));
  const workers = Array.from({ length: WORKERS }, () =>
    new Worker(name, async (job) => {
      latencies.push(Date.now() - job.timestamp);
      return null;
    }, { connection, concurrency: CONCURRENCY }),
  );
  for (const w of workers) {
    w.on('completed', () => {
      done += 1;
      if (done === N) resolveDone();
    });
  }
  const pids = { 'bench process (producer + workers)': process.pid };
  const groups = { 'redis-server': /redis-server/ };
  const cpuBefore = cpuSnapshot(pids, groups);
  const started = Date.now();
  await pool(Array.from({ length: N }, (_, i) => i), SUBMIT_CONCURRENCY, async (i) => {
    await queue.add('noop', {}, { jobId: `job-${i}`, attempts: 3, removeOnComplete: true });
  });
  await allDone;
  const seconds = (Date.now() - started) / 1000;
  const cpuMsPerJob = cpuPerJob(cpuBefore, cpuSnapshot(pids, groups), N);
  for (const w of workers) await w.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    system: `bullmq (${WORKERS} workers × ${CONCURRENCY}, in-process)`,
    jobs: N,
    seconds,
    throughput: N / seconds,
    latencyMs: summarize(latencies),
    memoryMiB: { 'bench process (bullmq workers)': peakRssMiB(process.pid) },
    cpuMsPerJob,
  };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  results.push(await benchOrch());
  if (String(args.peers).split(',').includes('bullmq')) results.push(await benchBullmq());
  console.log(`\nEnd-to-end no-op jobs: ${N} jobs, ${WORKERS} workers × ${CONCURRENCY} concurrency, submit concurrency ${SUBMIT_CONCURRENCY}`);
  console.log('| system | jobs/s | submit→start p50 ms | p99 ms | max ms | wall s |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(`| ${r.system} | ${r.throughput.toFixed(0)} | ${r.latencyMs.p50.toFixed(1)} | ${r.latencyMs.p99.toFixed(1)} | ${r.latencyMs.max.toFixed(1)} | ${r.seconds.toFixed(1)} |`);
  }
  console.log('\nCPU per job (ms, user + system, from /proc):');
  for (const r of results) {
    const total = Object.values(r.cpuMsPerJob).reduce((a, b) => a + b, 0);
    console.log(`  ${r.system}: total ${total.toFixed(2)}; ${Object.entries(r.cpuMsPerJob).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  }
  console.log('\nPeak RSS (MiB):');
  for (const r of results) console.log(`  ${r.system}: ${Object.entries(r.memoryMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
