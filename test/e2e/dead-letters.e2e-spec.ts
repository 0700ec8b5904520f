import { BulkDeadLetterResult, DeadLetterStats } from '@orch/contracts';
import { E2eCluster, peakInFlight, waitFor } from '@orch/testing';

const TENANT = 'e2edl';
const N = 1_000;
const CAP = 5;
const RATE = 40;
const BURST = 10;
const REASON = { 'X-Orch-Reason': 'upstream fixed', 'X-Orch-Ticket': 'INC-1000' };

/**
 * The dead-letter set end to end: 1,000 jobs fail for good on the demo worker, a dry run counts
 * them, a bulk replay takes exactly those, and the replays run under the limits that apply to
 * live traffic — counted from the ledger and the rate-limiter's admissions, not trusted.
 */
describe('a bulk replay of 1,000 dead letters through the real services respects limits', () => {
  const cluster = new E2eCluster({ SCHEDULER_POLL_MS: '250', LIMITS_RECONCILE_MS: '1000', JOB_TIMEOUTS: 'demo.echo=2000', BACKOFF_BASE_MS: '200', BACKOFF_MAX_MS: '400' });
  let token: string;
  let quota: string;

  beforeAll(async () => {
    await cluster.start();
    token = await cluster.token({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'], sub: 'ops' });
    quota = await cluster.token({ tenant: TENANT, scopes: ['orch:quota'], sub: 'ops' });
    await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '50' });
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  const post = async <T>(path: string, body: unknown, auth = token, headers: Record<string, string> = {}): Promise<T> => {
    const res = await cluster.api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, auth);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await cluster.pg.query(sql, params)).rows[0].n);

  it('dry run = real run = 1,000; replays stay within the concurrency cap and the token bucket, and every replay ends', async () => {
    const jobs = Array.from({ length: N }, (_, i) => ({ project: 'p1', jobType: 'demo.fail', payload: { i }, maxAttempts: 1 }));
    await post('/api/v1/jobs/batch', { jobs }, token, { 'Idempotency-Key': 'dl-batch' });
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM ledger.dead_letters WHERE tenant = $1`, [TENANT])) === N, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: `${N} dead letters`,
    });
    const stats = await (await cluster.api('/api/v1/dead-letters/stats?jobType=demo.fail', {}, token)).json() as DeadLetterStats;
    expect(stats).toMatchObject({ total: N, open: N, topErrors: [{ errorCode: 'demo_failure', count: N, message: 'demo.fail fails on purpose (attempt <n> of <n>)' }] });

    // The limits live traffic of this job type runs under, put before the replay.
    const limitHeaders = { ...REASON };
    await post('/api/v1/limits/rules', { id: 'dl-cap', kind: 'concurrency', match: { jobType: 'demo.fail' }, per: ['tenant', 'jobType'], maxInFlight: CAP }, quota, limitHeaders);
    await post('/api/v1/limits/rules', { id: 'dl-rate', kind: 'rate', match: { jobType: 'demo.fail' }, per: ['tenant', 'jobType'], ratePerSecond: RATE, burst: BURST }, quota, limitHeaders);

    const filter = { jobType: 'demo.fail', errorCode: 'demo_failure' };
    const dry = await post<BulkDeadLetterResult>('/api/v1/dead-letters/replay', { filter, dryRun: true }, token, REASON);
    expect(dry.matched).toBe(N);
    const real = await post<BulkDeadLetterResult>('/api/v1/dead-letters/replay', { filter }, token, { ...REASON, 'Idempotency-Key': 'dl-replay' });
    expect(real.matched).toBe(N);
    expect(real.replayed).toHaveLength(N);
    expect(real.skipped).toEqual([]);
    expect(real.replayed!.slice(0, dry.sampleJobIds.length).map((r) => r.replayOf)).toEqual(dry.sampleJobIds);

    // Every replay runs (and, being demo.fail, lands in the dead-letter set itself).
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM ledger.jobs WHERE tenant = $1 AND replay_of IS NOT NULL AND status = 'failed'`, [TENANT])) === N, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `${N} replays to end`,
    });

    // Concurrency: replay the tenant's ledger in order, counting attempts between job.leased and their end.
    const { rows } = await cluster.pg.query<{ event_type: string; job_id: string; attempt: number }>(
      `SELECT e.event_type, e.job_id, e.attempt FROM ledger.job_events e JOIN ledger.jobs j ON j.id = e.job_id
        WHERE e.tenant = $1 AND j.replay_of IS NOT NULL ORDER BY e.seq`,
      [TENANT],
    );
    const peak = peakInFlight(rows);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CAP);

    // Rate: over every window of the admissions, at most burst + rate × window (a little slack for clock rounding).
    const admitted = (
      await cluster.pg.query<{ at: Date }>(
        `SELECT a.admitted_at AS at FROM limits.admissions a JOIN ledger.jobs j ON j.id = a.job_id WHERE j.tenant = $1 AND j.replay_of IS NOT NULL ORDER BY a.admitted_at`,
        [TENANT],
      )
    ).rows.map((r) => new Date(r.at).getTime());
    expect(admitted).toHaveLength(N);
    let worst = 0;
    for (let i = 0; i < admitted.length; i++) {
      for (let j = i; j < admitted.length && j < i + 200; j++) {
        const allowed = BURST + (RATE * (admitted[j] - admitted[i])) / 1000 + 1;
        worst = Math.max(worst, j - i + 1 - allowed);
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
  }, 420_000);

  it('ends an attempt that overruns its job type\'s execution timeout as execution_timeout, retries it, then dead-letters it timed_out; a quick job of the type succeeds', async () => {
    const submit = async (payload: Record<string, unknown>) =>
      post<{ id: string }>('/api/v1/jobs', { project: 'p1', jobType: 'demo.echo', payload, maxAttempts: 2 }, token, { 'Idempotency-Key': `timeout-${JSON.stringify(payload)}` });
    const slow = await submit({ sleepMs: 20_000 });
    const quick = await submit({ sleepMs: 100 });
    const status = async (id: string) => (await cluster.pg.query(`SELECT status, status_reason, attempt, deadline_at FROM ledger.jobs WHERE id = $1`, [id])).rows[0];
    await waitFor(async () => (await status(quick.id)).status === 'succeeded', { timeoutMs: 30_000, what: 'the quick job to succeed' });
    const ended = await waitFor(async () => {
      const row = await status(slow.id);
      return row.status === 'timed_out' ? row : null;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'the slow job to time out twice' });
    expect(ended).toMatchObject({ status_reason: 'execution_timeout', attempt: 2, deadline_at: null });
    const { rows } = await cluster.pg.query(`SELECT event_type, attempt, data FROM ledger.job_events WHERE job_id = $1 ORDER BY seq`, [slow.id]);
    const types = rows.map((r: { event_type: string }) => r.event_type);
    expect(types.filter((t: string) => t === 'job.running')).toHaveLength(2);
    expect(types.slice(-2)).toEqual(['job.timed_out', 'job.dead_lettered']);
    // The first attempt came back as a retry because of the timeout.
    const retry = rows.find((r: { event_type: string; data: { reason?: string } }) => r.event_type === 'job.queued' && r.data.reason === 'execution_timeout');
    expect(retry).toBeDefined();
    expect(types).not.toContain('job.succeeded');
    const dl = (await cluster.pg.query(`SELECT reason, error_code FROM ledger.dead_letters WHERE job_id = $1`, [slow.id])).rows[0];
    expect(dl).toEqual({ reason: 'execution_timeout', error_code: 'execution_timeout' });
  }, 120_000);
});
