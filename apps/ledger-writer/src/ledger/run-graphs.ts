import type { RunFailurePolicy } from '@orch/contracts';
import { DagGraph, validateDag } from '@orch/domain';
import type { RunEdgeRow, RunRow } from '@orch/persistence';

/** What one transaction knows of one run: its policy and the edges preloaded around the jobs it touches. */
interface KnownRun {
  policy: RunFailurePolicy;
  edges: Map<string, RunEdgeRow>;
  nodes: Set<string>;
  graph: DagGraph | null;
}

/**
 * The DAG-run part of a group commit's working set: runs created in it (and
 * their edges) to insert, and, for jobs of existing runs that commands of the
 * batch touch, the policy and the preloaded neighbourhood of the run graph
 * (see `RunStore.neighbourhood`) from which dependency resolution decides.
 * Node keys are job ids.
 */
export class RunGraphs {
  readonly newRuns: RunRow[] = [];
  readonly newEdges: RunEdgeRow[] = [];
  private readonly known = new Map<string, KnownRun>();

  /** Adds preloaded runs and edges (edges of a run not given are ignored). */
  load(runs: Iterable<RunRow>, edges: Iterable<RunEdgeRow>): void {
    for (const run of runs) {
      if (!this.known.has(run.id)) this.known.set(run.id, { policy: run.failurePolicy, edges: new Map(), nodes: new Set(), graph: null });
    }
    for (const e of edges) {
      const run = this.known.get(e.runId);
      if (!run) continue;
      run.edges.set(`${e.parentId}>${e.childId}`, e);
      run.nodes.add(e.parentId);
      run.nodes.add(e.childId);
      run.graph = null;
    }
  }

  /** Records a run created in this transaction (its graph is never resolved in the same transaction). */
  add(run: RunRow, edges: RunEdgeRow[]): void {
    this.newRuns.push(run);
    this.newEdges.push(...edges);
  }

  /** The failure policy of a preloaded run, or undefined. */
  policy(runId: string): RunFailurePolicy | undefined {
    return this.known.get(runId)?.policy;
  }

  /**
   * The preloaded part of the run's graph containing `jobId` (a job without
   * preloaded edges is a lone node), or undefined when the run was not preloaded.
   */
  graphAround(runId: string, jobId: string): DagGraph | undefined {
    const run = this.known.get(runId);
    if (!run) return undefined;
    if (!run.nodes.has(jobId)) {
      run.nodes.add(jobId);
      run.graph = null;
    }
    if (!run.graph) {
      const result = validateDag({ jobs: [...run.nodes].map((key) => ({ key })), edges: [...run.edges.values()].map((e) => ({ from: e.parentId, to: e.childId })) }, {
        maxJobs: Number.MAX_SAFE_INTEGER,
        maxEdges: Number.MAX_SAFE_INTEGER,
      });
      // The stored graph was validated at submit; a part of an acyclic graph is acyclic.
      if (!result.ok) throw new Error(`stored graph of run ${runId} is not a DAG: ${result.problems.map((p) => p.message).join('; ')}`);
      run.graph = result.graph;
    }
    return run.graph;
  }

  /** Every job id of the preloaded neighbourhoods (to load and lock). */
  jobIds(): string[] {
    return [...this.known.values()].flatMap((r) => [...r.nodes]);
  }
}
