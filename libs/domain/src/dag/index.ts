export { DAG_MAX_EDGES, DAG_MAX_JOBS, validateDag, type DagEdge, type DagGraph, type DagJobInput, type DagLimits, type DagProblem, type DagSpec, type DagValidation } from './graph';
export { FailurePolicy, evaluateDag, readyChildren, type DagDecision, type DagStatuses } from './resolution';
export { RunStatus, TERMINAL_RUN_STATUSES, runStatus, type RunSummary } from './run-status';
export { criticalPath, type CriticalPath } from './critical-path';
export { runGraphOrThrow, runSpecErrors, type RunSpecError } from './run-spec';
