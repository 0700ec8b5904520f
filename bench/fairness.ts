/**
 * Fairness benchmark: does one tenant's flood starve another tenant?
 *
 *   npm run bench:fairness -- --small-jobs 100 --small-rate 10 --flooders 16
 *
 * A small tenant submits jobs at a steady rate in three phases: on an idle
 * system (`idle`); while a big tenant submits 9× as many at a steady rate, 90%
 * of the load (`share90`); and while the big tenant floods the installation as
 * fast as `--flooders` concurrent submitters can, past saturation (`flood`).
 * Both tenants' jobs run on one SDK demo-worker process serving both. The
 * figure is the small tenant's wait (ledger `job.created` → `job.running`)
 * p50/p99 per phase and the ratio to idle; issue 4 asks that p99 stays within
 * 2× at 90% of the load.
 *
 * Side by side in the same run: BullMQ with the setup most of its users
 * have, one queue shared by both tenants and one worker pool (per-tenant
 * fairness is BullMQ Pro's "groups"), under the same two phases.
 */
import { E2eCluster, waitFor } from '@orch/testing';
import { parseArgs } from 'node:util';
import { summarize } from './stats';

const { values: args } = parseArgs({
  options: {
    'small-jobs': { type: 'string', default: '100' },
    'small-rate': { type: 'string', default: '10' },
    flooders: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '50' },
    peers: { type: 'string', default: 'bullmq' },
  },
});
const SMALL_N = Number(args['small-jobs']);
const SMALL_RATE = Number(args['small-rate']);
const FLOODERS = Number(args.flooders);
const CONCURRENCY = Number(args.concurrency);

type Stats = ReturnType<typeof summarize>;

interface Phase {
  smallWaitMs: Stats;
  /** Jobs the big tenant submitted while the small tenant's jobs were being submitted. */
  bigSubmitted: number;
  smallSubmitted: number;
  seconds: number;
}

type PhaseName = 'idle' | 'share90' | 'flood';
const PHASES: PhaseName[] = ['idle', 'share90', 'flood'];

interface Result {
  system: string;
  phases: Record<PhaseName, Phase>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `submit(i)` for i in [0, n) at `rate` per second (not waiting for one to finish before the next is due). */
async function steady(n: number, rate: number, submit: (i: number) => Promise<void>): Promise<void> {
  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    inFlight.push(submit(i));
  }
  await Promise.all(inFlight);
}

/** Calls `submit` at `rate` per second until `stop` resolves; returns how many were submitted. */
async function paced(rate: number, stop: Promise<void>, submit: (i: number) => Promise<void>): Promise<number> {
  let done = false;
  void stop.then(() => (done = true));
  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; !done; i++) {
    const due = start + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    if (!done) inFlight.push(submit(i));
  }
  await Promise.all(inFlight);
  return inFlight.length;
}

/** The big tenant's load in a phase: none, 9× the small tenant's rate, or back-to-back submitters. */
function bigLoad(phase: PhaseName, stop: Promise<void>, submit: (i: number) => Promise<void>): Promise<number> {
  if (phase === 'share90') return paced(9 * SMALL_RATE, stop, submit);
  if (phase === 'flood') return flood(FLOODERS, stop, submit);
  return Promise.resolve(0);
}

/** Runs `flooders` loops calling `submit` back to back until `stop` resolves; returns how many were submitted. */
async function flood(flooders: number, stop: Promise<void>, submit: (i: number) => Promise<void>): Promise<number> {
  let done = false;
  void stop.then(() => (done = true));
  let n = 0;
  await Promise.all(
    Array.from({ length: flooders }, async () => {
      while (!done) await submit(n++);
    }),
  );
  return n;
}

async function benchOrch(): Promise<Result> {
  const cluster = new E2eCluster({ LOG_LEVEL: 'warn' });
  await cluster.start();
  try {
    const small = await cluster.token({ tenant: 'small', scopes: ['orch:operate'], sub: 'small' });
    const big = await cluster.token({ tenant: 'big', scopes: ['orch:operate'], sub: 'big' });
    await cluster.startWorker({ DEMO_TENANTS: 'big,small', DEMO_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'warn' });
    const submit = async (token: string, key: string) => {
      const res = await cluster.api(
        '/api/v1/jobs',
        { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify({ project: 'p1', jobType: 'demo.noop', payload: {} }) },
        token,
      );
      if (res.status !== 201) throw new Error(`submit ${key}: ${res.status} ${await res.text()}`);
    };
    const succeeded = async (tenant: string, prefix: string) =>
      (await cluster.pg.query(`SELECT count(*)::int AS n FROM ledger.jobs WHERE tenant = $1 AND idempotency_key LIKE $2 AND status = 'succeeded'`, [tenant, `${prefix}%`])).rows[0].n as number;
    const waits = async (prefix: string) => {
      const { rows } = await cluster.pg.query(
        `SELECT extract(epoch FROM (r.occurred_at - c.occurred_at)) * 1000 AS ms,
                extract(epoch FROM (l.occurred_at - c.occurred_at)) * 1000 AS to_lease
           FROM ledger.jobs j
           JOIN ledger.job_events c ON c.job_id = j.id AND c.event_type = 'job.created'
           JOIN ledger.job_events l ON l.job_id = j.id AND l.event_type = 'job.leased' AND l.attempt = 1
           JOIN ledger.job_events r ON r.job_id = j.id AND r.event_type = 'job.running' AND r.attempt = 1
          WHERE j.tenant = 'small' AND j.idempotency_key LIKE $1`,
        [`${prefix}%`],
      );
      const toLease = summarize(rows.map((r) => Number(r.to_lease)));
      process.stderr.write(`orch ${prefix}: created→leased p50 ${toLease.p50.toFixed(0)} p99 ${toLease.p99.toFixed(0)} ms\n`);
      return summarize(rows.map((r) => Number(r.ms)));
    };

    // Warm-up: both tenants end to end.
    await Promise.all([submit(small, 'warm-small'), submit(big, 'warm-big')]);
    await waitFor(async () => (await succeeded('small', 'warm')) + (await succeeded('big', 'warm')) === 2, { timeoutMs: 60_000, what: 'warm-up' });

    const phase = async (name: PhaseName): Promise<Phase> => {
      const started = Date.now();
      let stopFlood!: () => void;
      const stopped = new Promise<void>((r) => (stopFlood = r));
      const flooding = bigLoad(name, stopped, (i) => submit(big, `${name}-big-${i}`));
      if (name !== 'idle') await sleep(2_000); // let the big tenant's load build first
      // Where work waits during the phase: unrelayed outbox rows, eligible jobs not yet admitted, admitted jobs not yet leased.
      const backlog = { outbox: 0, unadmitted: 0, dispatched: 0 };
      const sampler = setInterval(() => {
        void cluster.pg
          .query(
            `SELECT (SELECT count(*)::int FROM ledger.outbox) AS outbox,
                    (SELECT count(*)::int FROM ledger.jobs WHERE status IN ('queued', 'throttled') AND admitted_attempt IS DISTINCT FROM attempt) AS unadmitted,
                    (SELECT count(*)::int FROM ledger.jobs WHERE status = 'queued' AND admitted_attempt = attempt) AS dispatched`,
          )
          .then(({ rows: [r] }) => {
            for (const k of Object.keys(backlog) as (keyof typeof backlog)[]) backlog[k] = Math.max(backlog[k], r[k]);
          }, () => undefined);
      }, 500);
      await steady(SMALL_N, SMALL_RATE, (i) => submit(small, `${name}-small-${i}`));
      const submitSeconds = (Date.now() - started) / 1000;
      stopFlood(); // the load lasts as long as the small tenant submits
      await waitFor(async () => (await succeeded('small', `${name}-small-`)) === SMALL_N, { timeoutMs: 600_000, intervalMs: 200, what: `${name}: small tenant's jobs done` });
      clearInterval(sampler);
      const bigSubmitted = await flooding;
      const seconds = submitSeconds;
      process.stderr.write(`orch ${name}: small ${SMALL_N}, big ${bigSubmitted} submitted in ${seconds.toFixed(1)} s; peak backlog: outbox ${backlog.outbox}, eligible not admitted ${backlog.unadmitted}, admitted not leased ${backlog.dispatched}\n`);
      return { smallWaitMs: await waits(`${name}-small-`), bigSubmitted, smallSubmitted: SMALL_N, seconds };
    };
    const phases = {} as Record<PhaseName, Phase>;
    for (const p of PHASES) phases[p] = await phase(p);
    return { system: `orch (1 SDK worker serving both tenants, ${CONCURRENCY} each)`, phases };
  } finally {
    await cluster.stop();
  }
}

async function benchBullmq(): Promise<Result> {
  const { Queue, Worker } = require('bullmq') as typeof import('bullmq');
  const connection = { host: '127.0.0.1', port: 6379 };
  const name = `fair-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const smallWaits = new Map<string, number[]>();
  const smallDone = new Map<string, number>();
  const worker = new Worker(
    name,
    async (job) => {
      const { tenant, phase } = job.data as { tenant: string; phase: string };
      if (tenant === 'small') {
        const list = smallWaits.get(phase) ?? [];
        list.push(Date.now() - job.timestamp);
        smallWaits.set(phase, list);
        smallDone.set(phase, (smallDone.get(phase) ?? 0) + 1);
      }
      return null;
    },
    { connection, concurrency: 2 * CONCURRENCY },
  );
  try {
    const phase = async (p: PhaseName): Promise<Phase> => {
      const started = Date.now();
      let stopFlood!: () => void;
      const stopped = new Promise<void>((r) => (stopFlood = r));
      const flooding = bigLoad(p, stopped, async () => void (await queue.add('noop', { tenant: 'big', phase: p }, { removeOnComplete: true })));
      if (p !== 'idle') await sleep(2_000);
      await steady(SMALL_N, SMALL_RATE, async () => void (await queue.add('noop', { tenant: 'small', phase: p }, { removeOnComplete: true })));
      const seconds = (Date.now() - started) / 1000;
      stopFlood();
      await waitFor(() => (smallDone.get(p) ?? 0) === SMALL_N, { timeoutMs: 600_000, intervalMs: 50, what: `bullmq ${p}: small tenant's jobs done` });
      const bigSubmitted = await flooding;
      return { smallWaitMs: summarize(smallWaits.get(p) ?? []), bigSubmitted, smallSubmitted: SMALL_N, seconds };
    };
    const phases = {} as Record<PhaseName, Phase>;
    for (const p of PHASES) phases[p] = await phase(p);
    return { system: `bullmq (one shared queue, ${2 * CONCURRENCY} concurrent, in-process)`, phases };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [await benchOrch()];
  if (String(args.peers).split(',').includes('bullmq')) results.push(await benchBullmq());
  console.log(`\nFairness: small tenant ${SMALL_N} jobs at ${SMALL_RATE}/s; share90 = big tenant at ${9 * SMALL_RATE}/s; flood = big tenant with ${FLOODERS} back-to-back submitters`);
  console.log('| system | phase | big share of submits | big jobs/s submitted | small wait p50 ms | p99 ms | max ms | p99 / idle p99 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    for (const name of PHASES) {
      const ph = r.phases[name];
      const share = ph.bigSubmitted / (ph.bigSubmitted + ph.smallSubmitted);
      const ratio = name === 'idle' ? '' : (ph.smallWaitMs.p99 / r.phases.idle.smallWaitMs.p99).toFixed(2);
      console.log(`| ${r.system} | ${name} | ${(share * 100).toFixed(1)}% | ${(ph.bigSubmitted / ph.seconds).toFixed(0)} | ${ph.smallWaitMs.p50.toFixed(1)} | ${ph.smallWaitMs.p99.toFixed(1)} | ${ph.smallWaitMs.max.toFixed(1)} | ${ratio} |`);
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
