/**
 * Subject, stream and consumer names. Everything is derived from a namespace
 * (default `orch`) so that tests and side-by-side installations are isolated by
 * prefix on one NATS server.
 */

/** Characters allowed in a tenant or project id (they become one subject token). */
export const ID_TOKEN_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Job types may contain dots (`demo.echo`); `~` is reserved for subject encoding. */
export const JOB_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/**
 * An upstream source a job talks to, as limits key it: a host name, a host:port
 * or an operator's label (`nvd.nist.gov`, `ghsa`, `mirror-eu:8443`).
 */
export const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Namespace: lower-case letters, digits and `_`, so stream names stay valid. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** Encodes a job type as one subject token: dots become `~`. */
export function jobTypeToken(jobType: string): string {
  return jobType.replace(/\./g, '~');
}

/** Inverse of {@link jobTypeToken}. */
export function jobTypeFromToken(token: string): string {
  return token.replace(/~/g, '.');
}

/** Ledger-writer command verbs (core NATS request/reply, queue group `ledger-writer`). */
export const LedgerVerbs = [
  'submit',
  'lease',
  'start',
  'heartbeat',
  'progress',
  'complete',
  'fail',
  'expire',
  'admit',
  'promote',
  // Control plane (issue 3): contracts in operator-commands.ts.
  'cancel',
  'submit-batch',
  'audit',
  // Scheduling policy (issue 4).
  'throttle',
  // DAG runs (issue 4): contracts in runs.ts.
  'submit-run',
  // Replays and the dead-letter set (issue 5): contracts in dead-letters.ts.
  'replay',
  'purge-dead-letters',
  'cancel-run',
  // Backfills (issue 5): contracts in backfills.ts.
  'create-backfill',
  'control-backfill',
  // Artifacts (issue 5): contracts in artifacts.ts.
  'artifact',
] as const;
export type LedgerVerb = (typeof LedgerVerbs)[number];

/** Worker-facing verbs (request/reply to lease-broker). See docs/protocol.md. */
export const WorkerVerbs = ['claim', 'start', 'heartbeat', 'progress', 'complete', 'fail', 'upstream', 'artifact'] as const;
export type WorkerVerb = (typeof WorkerVerbs)[number];

/** Names for one namespace. */
export interface OrchNames {
  readonly namespace: string;
  readonly streams: { readonly events: string; readonly dispatch: string; readonly logs: string; readonly notify: string };
  /** `orch.cmd.<service>.<verb>` */
  cmd(service: ServiceName, verb: string): string;
  /** `orch.evt.<tenant>.<jobType~>.<event>` where event is the part after `job.` */
  evt(tenant: string, jobType: string, eventType: string): string;
  /** Wildcard for every event (single-filter consumers, NATS 2.9). */
  evtAll(): string;
  /** Every tenant's and job type's events of one type, e.g. all `job.queued`. */
  evtOfType(eventType: string): string;
  /** `orch.dispatch.<tenant>.<jobType~>` — one message per admitted attempt. */
  dispatch(tenant: string, jobType: string): string;
  dispatchAll(): string;
  /** `orch.log.<tenant>.<jobId>` */
  log(tenant: string, jobId: string): string;
  logAll(): string;
  /** `orch.notify.<tenant>.<eventType>` — notifier envelopes (`orch.event.v1`). */
  notify(tenant: string, eventType: string): string;
  notifyTenant(tenant: string): string;
  notifyAll(): string;
  /** `orch.worker.<tenant>.<verb>` — worker protocol requests. */
  worker(tenant: string, verb: WorkerVerb): string;
  workerAll(verb: WorkerVerb): string;
  /** `orch.cancel.<tenant>.<jobId>` — cancel notices to a running worker. */
  cancel(tenant: string, jobId: string): string;
}

export const ServiceNames = ['api', 'scheduler', 'lease-broker', 'ledger-writer', 'rate-limiter', 'event-notifier'] as const;
export type ServiceName = (typeof ServiceNames)[number];

/** Default namespace used by a normal installation. */
export const DEFAULT_NAMESPACE = 'orch';

/** Builds the names for a namespace. Throws on an invalid namespace. */
export function orchNames(namespace: string = DEFAULT_NAMESPACE): OrchNames {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`invalid namespace "${namespace}": expected ${NAMESPACE_PATTERN}`);
  }
  const ns = namespace;
  const up = namespace.toUpperCase();
  const svcToken = (s: ServiceName) => s.replace(/-/g, '');
  return {
    namespace,
    streams: { events: `${up}_EVENTS`, dispatch: `${up}_DISPATCH`, logs: `${up}_LOGS`, notify: `${up}_NOTIFY` },
    cmd: (service, verb) => `${ns}.cmd.${svcToken(service)}.${verb}`,
    evt: (tenant, jobType, eventType) => `${ns}.evt.${tenant}.${jobTypeToken(jobType)}.${eventType.replace(/^job\./, '')}`,
    evtAll: () => `${ns}.evt.>`,
    evtOfType: (eventType) => `${ns}.evt.*.*.${eventType.replace(/^job\./, '')}`,
    dispatch: (tenant, jobType) => `${ns}.dispatch.${tenant}.${jobTypeToken(jobType)}`,
    dispatchAll: () => `${ns}.dispatch.>`,
    log: (tenant, jobId) => `${ns}.log.${tenant}.${jobId}`,
    logAll: () => `${ns}.log.>`,
    notify: (tenant, eventType) => `${ns}.notify.${tenant}.${eventType.replace(/\./g, '_')}`,
    notifyTenant: (tenant) => `${ns}.notify.${tenant}.>`,
    notifyAll: () => `${ns}.notify.>`,
    worker: (tenant, verb) => `${ns}.worker.${tenant}.${verb}`,
    workerAll: (verb) => `${ns}.worker.*.${verb}`,
    cancel: (tenant, jobId) => `${ns}.cancel.${tenant}.${jobId}`,
  };
}

/**
 * Inbox prefix of a tenant's worker connections (`_INBOX_<tenant>`): replies to
 * its requests and acks of its JetStream publishes arrive under it, so NATS
 * permissions can confine the worker's subscriptions to `_INBOX_<tenant>.>`.
 */
export function workerInboxPrefix(tenant: string): string {
  if (!ID_TOKEN_PATTERN.test(tenant)) throw new Error(`invalid tenant "${tenant}": expected ${ID_TOKEN_PATTERN}`);
  return `_INBOX_${tenant}`;
}
