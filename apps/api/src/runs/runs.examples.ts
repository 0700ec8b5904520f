import type { RunView, SubmitRunRequest, SubmitRunResult } from '@orch/contracts';
import type { CancelRunView } from './runs.service';

const RUN_ID = '0190d6f0-4a00-7b00-8c00-00000000d001';
const ids = { fetch: '0190d6f0-4a00-7b00-8c00-00000000a001', parse: '0190d6f0-4a00-7b00-8c00-00000000a002', enrich: '0190d6f0-4a00-7b00-8c00-00000000a003', publish: '0190d6f0-4a00-7b00-8c00-00000000a004' };
const record = {
  id: RUN_ID,
  tenant: 'acme',
  project: 'ingest',
  failurePolicy: 'cancel' as const,
  correlationId: '0190d6f0-3c19-7000-8000-000000000001',
  idempotencyKey: 'nightly-2026-11-23',
  createdAt: '2026-11-23T10:15:00.123Z',
  jobCount: 4,
  replayOf: null,
};

/** A diamond: fetch → parse, fetch → enrich, both → publish. */
export const submitRunExample: SubmitRunRequest = {
  jobs: [
    { key: 'fetch', project: 'ingest', jobType: 'nvd.sync', source: 'nvd.nist.gov', payload: { feed: 'cve-2026' } },
    { key: 'parse', project: 'ingest', jobType: 'nvd.parse', payload: {}, dependsOn: ['fetch'] },
    { key: 'enrich', project: 'ingest', jobType: 'nvd.enrich', payload: {}, dependsOn: ['fetch'] },
    { key: 'publish', project: 'ingest', jobType: 'nvd.publish', payload: {}, priority: 7 },
  ],
  edges: [
    { from: 'parse', to: 'publish' },
    { from: 'enrich', to: 'publish' },
  ],
  failurePolicy: 'cancel',
};

export const submitRunResultExample: SubmitRunResult = {
  created: true,
  run: record,
  jobs: [
    { key: 'fetch', id: ids.fetch, status: 'queued' },
    { key: 'parse', id: ids.parse, status: 'pending' },
    { key: 'enrich', id: ids.enrich, status: 'pending' },
    { key: 'publish', id: ids.publish, status: 'pending' },
  ],
};

const counts = { pending: 1, queued: 0, throttled: 0, leased: 0, running: 1, succeeded: 2, failed: 0, canceled: 0, timed_out: 0 };
const job = (key: keyof typeof ids, status: RunView['jobs'][number]['status'], dependsOn: string[], startedAt: string | null, finishedAt: string | null, durationMs: number | null) => ({
  key,
  id: ids[key],
  jobType: `nvd.${key === 'fetch' ? 'sync' : key}`,
  project: 'ingest',
  status,
  statusReason: status === 'pending' ? 'waiting_parents' : status === 'running' ? 'started' : 'completed',
  attempt: 1,
  maxAttempts: 3,
  dependsOn,
  createdAt: '2026-11-23T10:15:00.123Z',
  startedAt,
  finishedAt,
  durationMs,
});

export const runViewExample: RunView = {
  ...record,
  status: 'running',
  summary: { total: 4, finished: 2, failing: false, counts },
  jobs: [
    job('fetch', 'succeeded', [], '2026-11-23T10:15:01.000Z', '2026-11-23T10:15:31.000Z', 30_000),
    job('parse', 'succeeded', ['fetch'], '2026-11-23T10:15:32.000Z', '2026-11-23T10:15:42.000Z', 10_000),
    job('enrich', 'running', ['fetch'], '2026-11-23T10:15:32.000Z', null, 45_000),
    job('publish', 'pending', ['parse', 'enrich'], null, null, null),
  ],
  edges: [
    { from: 'fetch', to: 'parse' },
    { from: 'fetch', to: 'enrich' },
    { from: 'parse', to: 'publish' },
    { from: 'enrich', to: 'publish' },
  ],
  criticalPath: { keys: ['fetch', 'enrich', 'publish'], jobIds: [ids.fetch, ids.enrich, ids.publish], totalMs: 75_000 },
};

export const RUN_EXAMPLE_ID = RUN_ID;

/** `POST /api/v1/runs/{id}/cancel` of the run above, half way: enrich gets a cancel request, publish ends at once. */
export const cancelRunExample: CancelRunView = {
  runId: record.id,
  canceled: [ids.publish],
  cancelRequested: [ids.enrich],
  changed: true,
  run: {
    ...runViewExample,
    summary: { total: 4, finished: 3, failing: true, counts: { ...counts, pending: 0, canceled: 1 } },
    jobs: runViewExample.jobs.map((j) => (j.key === 'publish' ? { ...j, status: 'canceled', statusReason: 'canceled_by_operator' } : j)),
  },
};
