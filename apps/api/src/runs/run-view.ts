import { JobStatus, RunJobView, RunView, isTerminal } from '@orch/contracts';
import { criticalPath, runStatus, validateDag } from '@orch/domain';
import type { JobRow, RunEdgeRow, RunRow } from '@orch/persistence';
import { toRunRecordView } from '@orch/persistence';

/** How long a job took (finished) or has taken (started, not finished) at `now`; null before it started. */
export function durationOf(job: Pick<JobRow, 'status' | 'startedAt' | 'finishedAt'>, now: Date): number | null {
  if (!job.startedAt) return null;
  const end = isTerminal(job.status) && job.finishedAt ? job.finishedAt : now;
  return Math.max(0, end.getTime() - job.startedAt.getTime());
}

/**
 * `GET /api/v1/runs/{id}`: the run, its jobs in request order with their
 * parents' keys, its edges by key, its aggregate status and its critical path
 * (durations: finished jobs' actual ones, running jobs' elapsed time, 0 for
 * the rest). Pure: the rows are read by the caller.
 */
export function buildRunView(run: RunRow, jobs: JobRow[], edges: RunEdgeRow[], now: Date): RunView {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const keyOf = new Map(run.jobKeys.map((k) => [k.jobId, k.key]));
  const idOf = new Map(run.jobKeys.map((k) => [k.key, k.jobId]));
  const edgeKeys = edges.map((e) => ({ from: keyOf.get(e.parentId)!, to: keyOf.get(e.childId)! }));
  const validated = validateDag({ jobs: run.jobKeys.map((k) => ({ key: k.key })), edges: edgeKeys }, { maxJobs: Number.MAX_SAFE_INTEGER, maxEdges: Number.MAX_SAFE_INTEGER });
  if (!validated.ok) throw new Error(`stored graph of run ${run.id} is not a DAG: ${validated.problems.map((p) => p.message).join('; ')}`);
  const graph = validated.graph;
  const views: RunJobView[] = run.jobKeys.map(({ key, jobId }) => {
    const j = byId.get(jobId);
    if (!j) throw new Error(`job ${jobId} of run ${run.id} is missing`);
    return {
      key,
      id: j.id,
      jobType: j.jobType,
      project: j.project,
      status: j.status,
      statusReason: j.statusReason,
      attempt: j.attempt,
      maxAttempts: j.maxAttempts,
      dependsOn: [...graph.parents.get(key)!],
      createdAt: j.createdAt.toISOString(),
      startedAt: j.startedAt ? j.startedAt.toISOString() : null,
      finishedAt: j.finishedAt ? j.finishedAt.toISOString() : null,
      durationMs: durationOf(j, now),
    };
  });
  const durations = new Map(views.map((v) => [v.key, v.durationMs ?? 0]));
  const path = criticalPath(graph, (k) => durations.get(k)!);
  const { status, total, finished, failing, counts } = runStatus(views.map((v) => v.status as JobStatus));
  return {
    ...toRunRecordView(run),
    status,
    summary: { total, finished, failing, counts },
    jobs: views,
    edges: [...graph.edges].map((e) => ({ from: e.from, to: e.to })),
    criticalPath: { keys: path.keys, jobIds: path.keys.map((k) => idOf.get(k)!), totalMs: path.totalMs },
  };
}
