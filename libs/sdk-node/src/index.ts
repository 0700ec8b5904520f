export * from './errors';
export * from './backoff';
export * from './logger';
export * from './worker-client';
export * from './worker-connection';
export * from './job-run';
export * from './orch-worker';
export * from './retry-after';
