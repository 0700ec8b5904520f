import { JobStatus, isTerminal } from '@orch/contracts';
import { DagGraph } from './graph';

/**
 * What a parent that ends `failed`, `canceled` or `timed_out` does to the jobs waiting on it.
 * - `cancel`: a `pending` job runs only once every parent `succeeded`; as soon as one parent ends
 *   otherwise, the job is canceled, and so (transitively) is every `pending` job waiting on a job
 *   canceled this way. The job does not wait for its other parents.
 * - `continue`: a `pending` job runs once every parent is terminal, whatever the outcome; nothing is
 *   ever canceled by the graph.
 */
export const FailurePolicy = { cancel: 'cancel', continue: 'continue' } as const;
export type FailurePolicy = (typeof FailurePolicy)[keyof typeof FailurePolicy];

/** Job statuses by key, as a Map or a plain object. */
export type DagStatuses = ReadonlyMap<string, JobStatus> | Readonly<Record<string, JobStatus>>;

/**
 * Changes the graph asks for, each list in topological order (parents first). `ready`: `pending`
 * jobs whose dependencies are met (they may still wait for their own `runAt`); `cancel`: `pending`
 * jobs to end `canceled`. Only `pending` jobs are ever named; jobs in any other state are left alone
 * and do not pass a cancellation on (they are not waiting on their parents any more).
 */
export interface DagDecision {
  ready: string[];
  cancel: string[];
}

const FAILED_ENDS: ReadonlySet<JobStatus> = new Set<JobStatus>([JobStatus.failed, JobStatus.canceled, JobStatus.timedOut]);

/**
 * Decision after `changedKey` changed state, looking only at its children (and, for
 * cancellations, their pending descendants): O(affected jobs + their edges), for the ledger-writer
 * applying one transition. Nothing happens unless `changedKey` is terminal. The decision is a
 * subset of {@link evaluateDag} on the same statuses, and applying it then asking again yields
 * nothing new (the named jobs are no longer pending).
 * @throws RangeError when a key is not in the graph or a needed status is missing.
 */
export function readyChildren(graph: DagGraph, statuses: DagStatuses, changedKey: string, policy: FailurePolicy = FailurePolicy.cancel): DagDecision {
  const children = childrenOf(graph, changedKey);
  const ready: string[] = [];
  const cancel: string[] = [];
  if (!isTerminal(statusOf(statuses, changedKey))) return { ready, cancel };
  const canceled = new Set<string>();
  const queue: string[] = [];
  for (const child of children) {
    if (statusOf(statuses, child) !== JobStatus.pending) continue;
    const parents = graph.parents.get(child)!.map((p) => statusOf(statuses, p));
    if (policy === FailurePolicy.cancel && parents.some((s) => FAILED_ENDS.has(s))) {
      canceled.add(child);
      queue.push(child);
    } else if (parents.every((s) => satisfied(s, policy))) {
      ready.push(child);
    }
  }
  // Pending descendants of a job canceled here are canceled too, whatever their other parents.
  for (let head = 0; head < queue.length; head++) {
    for (const child of childrenOf(graph, queue[head])) {
      if (canceled.has(child) || statusOf(statuses, child) !== JobStatus.pending) continue;
      canceled.add(child);
      queue.push(child);
    }
  }
  cancel.push(...canceled);
  return { ready: byRank(graph, ready), cancel: byRank(graph, cancel) };
}

/**
 * Decision for the whole graph from scratch (a new run: its pending roots are `ready`; recovery: a
 * sweep that catches up on anything missed). One pass in topological order, O(V + E).
 * @throws RangeError when a job of the graph has no status.
 */
export function evaluateDag(graph: DagGraph, statuses: DagStatuses, policy: FailurePolicy = FailurePolicy.cancel): DagDecision {
  const ready: string[] = [];
  const cancel: string[] = [];
  const canceled = new Set<string>();
  for (const key of graph.order) {
    if (statusOf(statuses, key) !== JobStatus.pending) continue;
    const parents = graph.parents.get(key)!;
    if (policy === FailurePolicy.cancel && parents.some((p) => canceled.has(p) || FAILED_ENDS.has(statusOf(statuses, p)))) {
      canceled.add(key);
      cancel.push(key);
    } else if (parents.every((p) => satisfied(statusOf(statuses, p), policy))) {
      ready.push(key);
    }
  }
  return { ready, cancel };
}

function satisfied(parent: JobStatus, policy: FailurePolicy): boolean {
  return policy === FailurePolicy.cancel ? parent === JobStatus.succeeded : isTerminal(parent);
}

function childrenOf(graph: DagGraph, key: string): readonly string[] {
  const children = graph.children.get(key);
  if (!children) throw new RangeError(`"${key}" is not a job of this graph`);
  return children;
}

function statusOf(statuses: DagStatuses, key: string): JobStatus {
  // Own properties only: a key such as "constructor" must not find Object.prototype's.
  const record = statuses as Readonly<Record<string, JobStatus>>;
  const status = statuses instanceof Map ? statuses.get(key) : Object.hasOwn(record, key) ? record[key] : undefined;
  if (status === undefined) throw new RangeError(`no status for job "${key}"`);
  return status;
}

function byRank(graph: DagGraph, keys: string[]): string[] {
  return keys.sort((a, b) => graph.rank.get(a)! - graph.rank.get(b)!);
}
