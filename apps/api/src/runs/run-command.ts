import { OperatorContext, OrchError, SubmitRunCommand, SubmitRunRequest } from '@orch/contracts';
import type { JobRow, RunEdgeRow, RunRow } from '@orch/persistence';
import { digestOf, runGraphOrThrow } from '@orch/domain';
import { batchItems } from '../jobs-operations/batch-command';

/** Idempotency scope of a run submit: keys are unique per tenant and this scope. */
export const RUN_SCOPE = 'POST /api/v1/runs';

/**
 * The ledger `submit-run` command for the caller's tenant, after the checks the
 * api can make alone (so a bad run costs no round trip): a job naming another
 * tenant is 403, a payload over `maxPayloadBytes` is 413 (both per job, like a
 * batch item), and a graph with cycles, unknown parents or duplicate keys is
 * 400 naming them (the ledger-writer checks the graph again). `requestDigest`
 * covers the canonical body with the tenant filled in and the default policy
 * made explicit.
 */
export function buildRunCommand(body: SubmitRunRequest, tenant: string, idempotencyKey: string, maxPayloadBytes: number): SubmitRunCommand {
  const jobs = batchItems({ jobs: body.jobs }, tenant, maxPayloadBytes) as SubmitRunRequest['jobs'];
  runGraphOrThrow(body);
  const request: SubmitRunRequest = { jobs, ...(body.edges ? { edges: body.edges } : {}), failurePolicy: body.failurePolicy ?? 'cancel' };
  return { ...request, idempotencyKey, requestDigest: digestOf(request), scope: RUN_SCOPE };
}

const PLACEHOLDER_UUID = '00000000-0000-7000-8000-000000000000';

/**
 * Bytes of the ledger-writer's reply to a fresh run (`{v,ok,data:{created,run,jobs}}`): exact but
 * for the fields the ledger fills, which have fixed or bounded lengths (ids, times, statuses).
 */
export function estimateRunReplyBytes(cmd: SubmitRunCommand, correlationId: string): number {
  const run = {
    id: PLACEHOLDER_UUID,
    tenant: cmd.jobs[0]?.tenant ?? '',
    project: '*',
    failurePolicy: 'continue',
    correlationId,
    idempotencyKey: cmd.idempotencyKey,
    createdAt: '2026-01-01T00:00:00.000Z',
    jobCount: cmd.jobs.length,
    replayOf: PLACEHOLDER_UUID,
  };
  const jobs = cmd.jobs.map((j) => ({ key: j.key, id: PLACEHOLDER_UUID, status: 'throttled' }));
  return Buffer.byteLength(JSON.stringify({ v: 1, ok: true, data: { created: false, run, jobs } }));
}

/** The envelope project of a run: its one project, or `*` when it spans several. */
export function runProject(body: SubmitRunRequest): string {
  const projects = new Set(body.jobs.map((j) => j.project));
  return projects.size === 1 ? body.jobs[0].project : '*';
}

/** Idempotency scope of a run replay (the original run is in the digest). */
export const RUN_REPLAY_SCOPE = 'POST /api/v1/runs/{id}/replay';

/**
 * The `submit-run` command that replays a finished run (pure): the same jobs in the same order —
 * key, project, type, source, payload, priority, maxAttempts — with the same dependencies and
 * failure policy; `replay` maps each key to the job it replays. The digest covers the original
 * run and the operator's reason and ticket.
 */
export function buildRunReplayCommand(
  run: RunRow,
  jobs: readonly JobRow[],
  edges: readonly RunEdgeRow[],
  operator: OperatorContext,
  idempotencyKey: string,
): SubmitRunCommand {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const keyOf = new Map(run.jobKeys.map((k) => [k.jobId, k.key]));
  const parents = new Map<string, string[]>();
  for (const e of edges) {
    const child = keyOf.get(e.childId);
    const parent = keyOf.get(e.parentId);
    if (child && parent) parents.set(child, [...(parents.get(child) ?? []), parent]);
  }
  const items = run.jobKeys.map(({ key, jobId }) => {
    const j = byId.get(jobId);
    if (!j) throw new OrchError('internal', `run ${run.id} lists job ${jobId}, which it does not hold`);
    const dependsOn = [...(parents.get(key) ?? [])].sort();
    return {
      key,
      project: j.project,
      jobType: j.jobType,
      ...(j.source !== null ? { source: j.source } : {}),
      payload: j.payload,
      priority: j.priority,
      maxAttempts: j.maxAttempts,
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
    };
  }) as SubmitRunRequest['jobs'];
  return {
    jobs: items,
    failurePolicy: run.failurePolicy,
    idempotencyKey,
    requestDigest: digestOf({ replayOf: run.id, reason: operator.reason, ticket: operator.ticket ?? null }),
    scope: RUN_REPLAY_SCOPE,
    replay: { runId: run.id, jobs: Object.fromEntries(run.jobKeys.map((k) => [k.key, k.jobId])) },
    operator,
  };
}
