import { SubmitRunCommand, SubmitRunRequest } from '@orch/contracts';
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
  const run = { id: PLACEHOLDER_UUID, tenant: cmd.jobs[0]?.tenant ?? '', project: '*', failurePolicy: 'continue', correlationId, idempotencyKey: cmd.idempotencyKey, createdAt: '2026-01-01T00:00:00.000Z', jobCount: cmd.jobs.length };
  const jobs = cmd.jobs.map((j) => ({ key: j.key, id: PLACEHOLDER_UUID, status: 'throttled' }));
  return Buffer.byteLength(JSON.stringify({ v: 1, ok: true, data: { created: false, run, jobs } }));
}

/** The envelope project of a run: its one project, or `*` when it spans several. */
export function runProject(body: SubmitRunRequest): string {
  const projects = new Set(body.jobs.map((j) => j.project));
  return projects.size === 1 ? body.jobs[0].project : '*';
}
