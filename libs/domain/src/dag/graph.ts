import { cycleThrough, cyclicComponents } from './cycles';

/** Most jobs one run may hold (issue 4). */
export const DAG_MAX_JOBS = 1_000;
/** Most distinct edges one run may hold (issue 4). */
export const DAG_MAX_EDGES = 10_000;

/** A job of a run as the client declares it: a key unique within the run, and optionally its parents. */
export interface DagJobInput {
  readonly key: string;
  /** Keys of the jobs that must finish first (same meaning as edges `{from: parent, to: key}`). */
  readonly dependsOn?: readonly string[];
}

/** `from` (the parent) must finish before `to` (the child) may run. */
export interface DagEdge {
  readonly from: string;
  readonly to: string;
}

/** A run as submitted: jobs plus edges, either or both ways of declaring dependencies. */
export interface DagSpec {
  readonly jobs: readonly DagJobInput[];
  readonly edges?: readonly DagEdge[];
}

/** Size limits applied by {@link validateDag}. */
export interface DagLimits {
  maxJobs: number;
  maxEdges: number;
}

/** A validated, normalised run graph. Every list is in a deterministic order. */
export interface DagGraph {
  /** Job keys in input order. */
  readonly keys: readonly string[];
  /** Distinct edges, ordered by the child's input position, then the parent's. */
  readonly edges: readonly DagEdge[];
  /** Parents of every key (input order); `[]` for roots. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
  /** Children of every key (input order); `[]` for leaves. */
  readonly children: ReadonlyMap<string, readonly string[]>;
  /**
   * Topological order: parents before children; among jobs whose parents are all placed, the
   * earliest in input order goes first, so an input already in dependency order is kept as is.
   */
  readonly order: readonly string[];
  /** Position of each key in {@link DagGraph.order}. */
  readonly rank: ReadonlyMap<string, number>;
  /** Jobs without parents, in input order. */
  readonly roots: readonly string[];
}

/** Why a run spec was refused; `code` is stable, `message` is for people. */
export type DagProblem =
  | { code: 'empty'; message: string }
  | { code: 'too_many_jobs'; limit: number; actual: number; message: string }
  | { code: 'too_many_edges'; limit: number; actual: number; message: string }
  /** `indexes`: every position in `jobs` that carries the key. */
  | { code: 'duplicate_key'; key: string; indexes: number[]; message: string }
  /** `job` (known) names `parent`, which is not a job of the run (in `dependsOn` or an edge's `from`). */
  | { code: 'unknown_parent'; job: string; parent: string; message: string }
  /** An edge from `parent` leads to `child`, which is not a job of the run. */
  | { code: 'unknown_child'; parent: string; child: string; message: string }
  | { code: 'self_edge'; key: string; message: string }
  /**
   * `keys`: one cycle in edge order (`keys[i] → keys[i+1]`, last → first), starting at the member
   * earliest in input order. `members`: every job of the strongly connected set it belongs to
   * (input order); breaking `keys` alone may leave another cycle among `members`.
   */
  | { code: 'cycle'; keys: string[]; members: string[]; message: string };

/** Outcome of {@link validateDag}. */
export type DagValidation = { ok: true; graph: DagGraph } | { ok: false; problems: DagProblem[] };

/**
 * Validates and normalises a run graph. Reports every problem at once, in a stable order:
 * size limits (alone: nothing else is examined), duplicate keys, unknown references (in
 * declaration order: each job's `dependsOn`, then `edges`), self-edges, cycles (by earliest
 * member). Repeated edges, whether declared twice or both as an edge and in `dependsOn`, are
 * merged silently. O(V + E) apart from sorting each job's parents and the O(V log V) ordering.
 */
export function validateDag(spec: DagSpec, limits: DagLimits = { maxJobs: DAG_MAX_JOBS, maxEdges: DAG_MAX_EDGES }): DagValidation {
  const { jobs } = spec;
  const edgesIn = spec.edges ?? [];
  if (jobs.length === 0) return { ok: false, problems: [{ code: 'empty', message: 'a run needs at least one job' }] };
  if (jobs.length > limits.maxJobs) {
    const message = `a run holds at most ${limits.maxJobs} jobs, got ${jobs.length}`;
    return { ok: false, problems: [{ code: 'too_many_jobs', limit: limits.maxJobs, actual: jobs.length, message }] };
  }

  const problems: DagProblem[] = [];
  const indexOf = new Map<string, number>();
  const seenAt = new Map<string, number[]>();
  jobs.forEach((job, i) => {
    const at = seenAt.get(job.key);
    if (at) at.push(i);
    else {
      seenAt.set(job.key, [i]);
      indexOf.set(job.key, i);
    }
  });
  for (const [key, indexes] of seenAt) {
    if (indexes.length > 1) problems.push({ code: 'duplicate_key', key, indexes, message: `key "${key}" is used by ${indexes.length} jobs` });
  }

  // Declared dependencies in declaration order: dependsOn of each job, then the edge list.
  const declared: { from: string; to: string }[] = [];
  for (const job of jobs) for (const parent of job.dependsOn ?? []) declared.push({ from: parent, to: job.key });
  for (const edge of edgesIn) declared.push(edge);

  const n = jobs.length;
  const distinct = new Set<string>();
  const parentIdx: number[][] = Array.from({ length: n }, () => []);
  const selfEdges = new Set<string>();
  for (const { from, to } of declared) {
    const pair = `${from}\u0000${to}`;
    if (distinct.has(pair)) continue;
    distinct.add(pair);
    const p = indexOf.get(from);
    const c = indexOf.get(to);
    if (c === undefined) {
      problems.push({ code: 'unknown_child', parent: from, child: to, message: `edge ${from} → ${to}: no job has key "${to}"` });
    } else if (p === undefined) {
      problems.push({ code: 'unknown_parent', job: to, parent: from, message: `job "${to}" depends on "${from}", which is not a job of this run` });
    } else if (p === c) {
      selfEdges.add(from);
    } else {
      parentIdx[c].push(p);
    }
  }
  if (distinct.size > limits.maxEdges) {
    const message = `a run holds at most ${limits.maxEdges} edges, got ${distinct.size}`;
    return { ok: false, problems: [{ code: 'too_many_edges', limit: limits.maxEdges, actual: distinct.size, message }] };
  }
  for (const key of selfEdges) problems.push({ code: 'self_edge', key, message: `job "${key}" depends on itself` });

  for (const list of parentIdx) list.sort((a, b) => a - b);
  // Children lists come out sorted because children are visited in ascending order.
  const childIdx: number[][] = Array.from({ length: n }, () => []);
  parentIdx.forEach((ps, c) => ps.forEach((p) => childIdx[p].push(c)));

  for (const component of cyclicComponents(childIdx)) {
    const keys = cycleThrough(component, childIdx).map((i) => jobs[i].key);
    const members = component.map((i) => jobs[i].key);
    problems.push({ code: 'cycle', keys, members, message: `cycle ${[...keys, keys[0]].join(' → ')}` });
  }
  if (problems.length > 0) return { ok: false, problems };

  const keys = jobs.map((j) => j.key);
  const order = topologicalOrder(parentIdx, childIdx).map((i) => keys[i]);
  return {
    ok: true,
    graph: {
      keys,
      edges: parentIdx.flatMap((ps, c) => ps.map((p) => ({ from: keys[p], to: keys[c] }))),
      parents: new Map(keys.map((k, i) => [k, parentIdx[i].map((p) => keys[p])])),
      children: new Map(keys.map((k, i) => [k, childIdx[i].map((c) => keys[c])])),
      order,
      rank: new Map(order.map((k, i) => [k, i])),
      roots: keys.filter((_, i) => parentIdx[i].length === 0),
    },
  };
}

/** Kahn's algorithm taking the smallest ready index first (binary heap). Assumes no cycle. */
function topologicalOrder(parents: readonly (readonly number[])[], children: readonly (readonly number[])[]): number[] {
  const waiting = parents.map((ps) => ps.length);
  const heap = new MinHeap();
  waiting.forEach((w, i) => w === 0 && heap.push(i));
  const order: number[] = [];
  while (heap.size > 0) {
    const v = heap.pop();
    order.push(v);
    for (const c of children[v]) if (--waiting[c] === 0) heap.push(c);
  }
  return order;
}

class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up] <= a[i]) break;
      [a[up], a[i]] = [a[i], a[up]];
      i = up;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
