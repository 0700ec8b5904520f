import { DagGraph } from './graph';

/** The longest chain of dependent jobs, by summed duration. */
export interface CriticalPath {
  /** Keys from a root to where the chain ends, each a parent of the next; `[]` for an empty graph. */
  keys: string[];
  /** Sum of the durations along `keys`. */
  totalMs: number;
}

/**
 * The critical path: the chain of dependent jobs with the largest summed duration, i.e. the
 * shortest possible run time with unlimited workers. `durationMs(key)` gives each job's weight —
 * the actual duration of a finished job, elapsed time or an estimate (or 0) for others; it is
 * called once per job. Ties go to the job earlier in topological order, so the answer is
 * deterministic. One pass in topological order, O(V + E).
 * @throws RangeError when a duration is negative or not finite.
 */
export function criticalPath(graph: DagGraph, durationMs: (key: string) => number): CriticalPath {
  const best = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let end: string | undefined;
  for (const key of graph.order) {
    const own = durationMs(key);
    if (!Number.isFinite(own) || own < 0) throw new RangeError(`duration of "${key}" must be a finite number ≥ 0, got ${own}`);
    let from: string | undefined;
    let upstream = 0;
    for (const parent of graph.parents.get(key)!) {
      const total = best.get(parent)!;
      if (from === undefined || total > upstream || (total === upstream && graph.rank.get(parent)! < graph.rank.get(from)!)) {
        from = parent;
        upstream = total;
      }
    }
    best.set(key, upstream + own);
    via.set(key, from);
    if (end === undefined || upstream + own > best.get(end)!) end = key;
  }
  if (end === undefined) return { keys: [], totalMs: 0 };
  const keys: string[] = [];
  for (let k: string | undefined = end; k !== undefined; k = via.get(k)) keys.push(k);
  return { keys: keys.reverse(), totalMs: best.get(end)! };
}
