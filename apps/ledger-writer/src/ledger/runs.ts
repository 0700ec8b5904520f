import { AuditTargetTypes, EventType, isTerminal, JobStatus, OrchError, RunRecordView, SubmitRunCommand, SubmitRunResult, TransitionReason } from '@orch/contracts';

/** Audit action of a run replay (on the original run). */
export const RUN_REPLAY_ACTION = 'run.replay';
import { FailurePolicy, readyChildren, runGraphOrThrow } from '@orch/domain';
import type { JobRow, RunEdgeRow, RunRow } from '@orch/persistence';
import { toRunRecordView } from '@orch/persistence';
import { v7 as uuidv7 } from 'uuid';
import { recordedJob, recordedJobIds, replayIdempotent, transition } from './command-support';
import { admitNew, newJob } from './submit';
import { CommandContext, UnitOfWork } from './unit-of-work';

/**
 * `submit-run`: validates the graph (cycles, unknown or duplicate keys, size:
 * 400 naming them, nothing written), then creates the run, its edges and every
 * job in this transaction. A job without parents is admitted like a single
 * submit (queued, or pending until its runAt); a job with parents waits
 * `pending` (reason `waiting_parents`). Every job gets `job.created`. One
 * idempotency record covers the run; a replay answers from it and the jobs'
 * current statuses.
 */
export function applySubmitRun(uow: UnitOfWork, ctx: CommandContext, cmd: SubmitRunCommand): SubmitRunResult {
  const ref = { scope: cmd.scope, key: cmd.idempotencyKey, requestDigest: cmd.requestDigest };
  const replay = replayIdempotent(uow, ctx.tenant, ref, (rec) => {
    const keys = (rec.result?.['keys'] as string[] | undefined) ?? [];
    return {
      created: false,
      run: rec.result?.['run'] as RunRecordView,
      jobs: recordedJobIds(rec).map((id, i) => ({ key: keys[i], id, status: recordedJob(uow, ctx.tenant, id).status })),
    };
  });
  if (replay) return replay;
  const graph = runGraphOrThrow(cmd);
  const runId = uuidv7();
  const jobs = cmd.jobs.map((item) => {
    const job = newJob(uow, ctx, item, `${cmd.idempotencyKey}#${item.key}`);
    job.runId = runId;
    job.replayOf = cmd.replay?.jobs[item.key] ?? null;
    return job;
  });
  const idOf = new Map(cmd.jobs.map((item, i) => [item.key, jobs[i].id]));
  const projects = new Set(jobs.map((j) => j.project));
  const run: RunRow = {
    id: runId,
    tenant: ctx.tenant,
    project: projects.size === 1 ? jobs[0].project : '*',
    failurePolicy: cmd.failurePolicy ?? FailurePolicy.cancel,
    correlationId: ctx.correlationId,
    idempotencyKey: cmd.idempotencyKey,
    jobCount: jobs.length,
    jobKeys: cmd.jobs.map((item, i) => ({ key: item.key, jobId: jobs[i].id })),
    replayOf: cmd.replay?.runId ?? null,
    createdAt: uow.now,
  };
  const edges: RunEdgeRow[] = graph.edges.map((e) => ({ tenant: ctx.tenant, runId, parentId: idOf.get(e.from)!, childId: idOf.get(e.to)! }));
  uow.runs.add(run, edges);
  for (const [i, job] of jobs.entries()) {
    const item = cmd.jobs[i];
    uow.insertJob(job);
    const parents = graph.parents.get(item.key)!;
    if (parents.length === 0) {
      admitNew(uow, ctx, job, item.runAt);
      continue;
    }
    job.statusReason = TransitionReason.waitingParents;
    uow.emit(job, EventType.created, ctx, {
      priority: job.priority,
      maxAttempts: job.maxAttempts,
      runAt: item.runAt ?? null,
      runId,
      key: item.key,
      dependsOn: parents.map((p) => idOf.get(p)!),
    });
  }
  const view = toRunRecordView(run);
  if (cmd.replay && cmd.operator) {
    uow.appendAudit(ctx.tenant, {
      project: run.project === '*' ? undefined : run.project,
      action: RUN_REPLAY_ACTION,
      targetType: AuditTargetTypes.run,
      targetId: cmd.replay.runId,
      operator: cmd.operator,
      before: null,
      after: { replayRunId: runId, jobs: jobs.length },
    });
  }
  uow.remember({
    tenant: ctx.tenant,
    scope: cmd.scope,
    key: cmd.idempotencyKey,
    requestDigest: cmd.requestDigest,
    jobId: null,
    result: { jobIds: jobs.map((j) => j.id), keys: cmd.jobs.map((j) => j.key), run: view },
  });
  return { created: true, run: view, jobs: cmd.jobs.map((item, i) => ({ key: item.key, id: jobs[i].id, status: jobs[i].status })) };
}

/**
 * Dependency resolution, in the transaction of the transition that causes it:
 * call after `job` changed state. Nothing happens unless the job belongs to a
 * run and is terminal. Its `pending` children whose parents are all resolved
 * are queued (one `job.queued`, reason `parents_resolved`; a child whose runAt
 * is still ahead stays pending with `waiting_run_at` and is promoted then).
 * With policy `cancel` and a job that ended failed, canceled or timed_out, its
 * pending descendants are canceled (one `job.canceled` each, reason
 * `parent_failed`, `parentId` = this job). Decisions come from `readyChildren`
 * over the run graph preloaded by the group commit.
 */
export function resolveDependants(uow: UnitOfWork, ctx: CommandContext, job: JobRow): void {
  if (!job.runId || !isTerminal(job.status)) return;
  const graph = uow.runs.graphAround(job.runId, job.id);
  const policy = uow.runs.policy(job.runId);
  // The group commit preloads the run of every job a command names; missing it is a defect.
  if (!graph || !policy) throw new OrchError('internal', `run ${job.runId} of job ${job.id} was not preloaded`);
  const statuses = new Map<string, JobStatus>();
  for (const id of graph.keys) {
    const row = uow.job(job.tenant, id);
    if (row) statuses.set(id, row.status);
  }
  const decision = readyChildren(graph, statuses, job.id, policy);
  for (const id of decision.ready) {
    const child = uow.job(job.tenant, id)!;
    if (child.runAt && child.runAt.getTime() > uow.now.getTime()) {
      child.statusReason = TransitionReason.waitingRunAt;
      uow.touch(child);
      continue;
    }
    transition(child, JobStatus.queued);
    child.status = JobStatus.queued;
    child.statusReason = TransitionReason.parentsResolved;
    uow.touch(child);
    uow.emit(child, EventType.queued, ctx, { reason: TransitionReason.parentsResolved, parentId: job.id });
  }
  for (const id of decision.cancel) {
    const child = uow.job(job.tenant, id)!;
    transition(child, JobStatus.canceled);
    child.status = JobStatus.canceled;
    child.statusReason = TransitionReason.parentFailed;
    child.finishedAt = uow.now;
    uow.touch(child);
    uow.emit(child, EventType.canceled, ctx, { reason: TransitionReason.parentFailed, parentId: job.id, parentStatus: job.status });
  }
}

/** Whether a pending job still waits for its run's parents (promote must leave it alone). */
export function waitsForParents(job: JobRow): boolean {
  return job.status === JobStatus.pending && job.statusReason === TransitionReason.waitingParents;
}
