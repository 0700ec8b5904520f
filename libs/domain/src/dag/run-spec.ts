import { OrchError } from '@orch/contracts';
import { DagGraph, DagProblem, DagSpec, validateDag } from './graph';

/** A field-level problem as problem+json lists it. */
export interface RunSpecError {
  path: string;
  message: string;
}

/**
 * Where in the request each DAG problem sits (`jobs.<i>.key`, `jobs.<i>.dependsOn`,
 * `edges.<i>.from|to`, or `jobs` for a cycle), with a message naming the keys involved.
 */
export function runSpecErrors(spec: DagSpec, problems: readonly DagProblem[]): RunSpecError[] {
  const jobAt = new Map<string, number>();
  spec.jobs.forEach((j, i) => {
    if (!jobAt.has(j.key)) jobAt.set(j.key, i);
  });
  const edges = spec.edges ?? [];
  // Where a dependency `from → to` was declared: the child's dependsOn, else the edge list.
  const declaredAt = (from: string, to: string, side: 'from' | 'to'): string => {
    const i = spec.jobs.findIndex((j) => j.key === to && (j.dependsOn ?? []).includes(from));
    if (i >= 0) return `jobs.${i}.dependsOn`;
    const e = edges.findIndex((x) => x.from === from && x.to === to);
    return e >= 0 ? `edges.${e}.${side}` : 'edges';
  };
  return problems.flatMap((p): RunSpecError[] => {
    switch (p.code) {
      case 'empty':
      case 'too_many_jobs':
        return [{ path: 'jobs', message: p.message }];
      case 'too_many_edges':
        return [{ path: 'edges', message: p.message }];
      case 'duplicate_key':
        return p.indexes.slice(1).map((i) => ({ path: `jobs.${i}.key`, message: `${p.message} (positions ${p.indexes.join(', ')})` }));
      case 'unknown_parent':
        return [{ path: declaredAt(p.parent, p.job, 'from'), message: p.message }];
      case 'unknown_child':
        return [{ path: declaredAt(p.parent, p.child, 'to'), message: p.message }];
      case 'self_edge':
        return [{ path: declaredAt(p.key, p.key, 'from'), message: p.message }];
      case 'cycle':
        return [{ path: 'jobs', message: `${p.message} (jobs in the cycle: ${p.members.join(', ')})` }];
    }
  });
}

/**
 * Validates a run's graph (see {@link validateDag}) and returns it, or throws a 400
 * `validation_failed` OrchError listing every problem with the offending keys.
 */
export function runGraphOrThrow(spec: DagSpec): DagGraph {
  const result = validateDag(spec);
  if (result.ok) return result.graph;
  const errors = runSpecErrors(spec, result.problems);
  const summary = result.problems
    .slice(0, 3)
    .map((p) => p.message)
    .join('; ');
  const more = result.problems.length > 3 ? `; and ${result.problems.length - 3} more` : '';
  throw new OrchError('validation', `the run's dependency graph is not valid: ${summary}${more}`, { retryable: false, errors });
}
