import type { LimitSubject } from './keys';

/**
 * Weighted fair ordering of work across tenants and, within a tenant, across keys (by default
 * project + source + jobType), by start-time fair queueing with virtual time:
 *
 * - each tenant has a virtual finish time `pass`; serving one of its jobs starts at
 *   `max(pass, V)` (V = the start of the last job served) and adds `FAIR_STRIDE_UNIT / weight`;
 * - the next job comes from the tenant with work whose `max(pass, V)` is lowest (ties: tenant id),
 *   then from that tenant's key ranked the same way with key weights, then within the key by
 *   priority (9 first), oldest `readyAt`, job id;
 * - a tenant without work is simply not a contender, so its share goes to the others
 *   (work-conserving), and `max(pass, V)` keeps it from banking credit while it is idle.
 *
 * {@link FairShareState} carries each tenant's lead over V between batches (rebased so V = 0 after
 * every call; tenants and keys not ahead are dropped), so the state stays small and fairness holds
 * across successive batches.
 */

/** A job to be put in fair order. */
export interface FairCandidate extends LimitSubject {
  jobId: string;
  /** 0–9, higher first within one key. */
  priority: number;
  /** Epoch ms the job became ready; older first within a priority. */
  readyAt: number;
}

/**
 * Virtual-time cost of one job at weight 1; a job at weight w costs `round(FAIR_STRIDE_UNIT / w)`.
 * Integer costs keep batch-by-batch ordering identical to one-go ordering (no float drift);
 * 720720 = lcm(1…16), so every integer weight up to 16 divides it exactly.
 */
export const FAIR_STRIDE_UNIT = 720_720;

/** A tenant's lead over the virtual clock, and its keys' leads over the tenant's key clock (in stride units). */
export interface TenantShare {
  lead: number;
  keys: Record<string, number>;
}

/** Persisted fairness between batches (plain JSON). Absent tenants/keys have lead 0. */
export interface FairShareState {
  tenants: Record<string, TenantShare>;
}

/** Options of {@link fairOrder} and {@link chargeFairShare}. */
export interface FairShareOptions<T extends FairCandidate> {
  /** State from the previous batch. */
  state?: FairShareState;
  /** Weight of a tenant absent from `weights` (default 1). */
  defaultWeight?: number;
  /** The key shares are split by within a tenant (default {@link defaultFairKey}). */
  keyOf?: (candidate: T) => string;
  /** Weight of a key within a tenant (default 1). */
  keyWeight?: (tenant: string, key: string) => number;
}

/** Options of {@link fairOrder}. */
export interface FairOrderOptions<T extends FairCandidate> extends FairShareOptions<T> {
  /** Order (and charge) only this many; the rest are left out. */
  limit?: number;
}

/** Ordered candidates and the state after serving all of them. */
export interface FairOrderResult<T> {
  ordered: T[];
  state: FairShareState;
}

/** Default key within a tenant: `project|source|jobType` (empty source for none). */
export function defaultFairKey(c: LimitSubject): string {
  return `${c.project}|${c.source ?? ''}|${c.jobType}`;
}

/** Higher priority, then older, then job id: the order within one key. */
export function compareFairWithinKey(a: FairCandidate, b: FairCandidate): number {
  return b.priority - a.priority || a.readyAt - b.readyAt || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0);
}

function checkWeight(weight: number, what: string): number {
  if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError(`weight of ${what} must be a positive number, got ${weight}`);
  return weight;
}

interface Clock {
  v: number;
  passes: Map<string, number>;
}

/** Serves one job of `id` on `clock`: it starts at max(pass, V), V moves there, the pass grows by the job's cost. */
function serve(clock: Clock, id: string, weight: number): void {
  const start = Math.max(clock.passes.get(id) ?? 0, clock.v);
  clock.v = start;
  clock.passes.set(id, start + Math.max(1, Math.round(FAIR_STRIDE_UNIT / weight)));
}

/** Clocks rebuilt from a state: one for tenants, one per tenant for its keys. */
class Ledger<T extends FairCandidate> {
  readonly tenants: Clock = { v: 0, passes: new Map() };
  readonly keys = new Map<string, Clock>();

  constructor(
    private readonly state: FairShareState | undefined,
    private readonly weights: Readonly<Record<string, number>>,
    private readonly opts: FairShareOptions<T>,
  ) {
    for (const [tenant, share] of Object.entries(state?.tenants ?? {})) this.tenants.passes.set(tenant, share.lead);
  }

  tenantWeight(tenant: string): number {
    return checkWeight(Object.hasOwn(this.weights, tenant) ? this.weights[tenant] : (this.opts.defaultWeight ?? 1), `tenant ${tenant}`);
  }

  keyWeight(tenant: string, key: string): number {
    return checkWeight(this.opts.keyWeight?.(tenant, key) ?? 1, `key ${key} of tenant ${tenant}`);
  }

  keyOf(c: T): string {
    return (this.opts.keyOf ?? defaultFairKey)(c);
  }

  keyClock(tenant: string): Clock {
    let clock = this.keys.get(tenant);
    if (!clock) {
      const leads = Object.hasOwn(this.state?.tenants ?? {}, tenant) ? this.state!.tenants[tenant].keys : {};
      this.keys.set(tenant, (clock = { v: 0, passes: new Map(Object.entries(leads)) }));
    }
    return clock;
  }

  charge(c: T): void {
    serve(this.tenants, c.tenant, this.tenantWeight(c.tenant));
    const key = this.keyOf(c);
    serve(this.keyClock(c.tenant), key, this.keyWeight(c.tenant, key));
  }

  /** Leads over V (V rebased to 0); entries not ahead are dropped. */
  toState(): FairShareState {
    const tenants: Record<string, TenantShare> = {};
    const names = new Set([...this.tenants.passes.keys(), ...Object.keys(this.state?.tenants ?? {})]);
    for (const tenant of [...names].sort()) {
      const lead = (this.tenants.passes.get(tenant) ?? 0) - this.tenants.v;
      // A tenant's key clock only moves when the tenant is served, so unserved tenants keep their key leads.
      const clock = this.keyClock(tenant);
      const keys: Record<string, number> = {};
      for (const k of [...clock.passes.keys()].sort()) {
        const l = clock.passes.get(k)! - clock.v;
        if (l > 0) keys[k] = l;
      }
      if (lead > 0 || Object.keys(keys).length > 0) tenants[tenant] = { lead: Math.max(0, lead), keys };
    }
    return { tenants };
  }
}

/**
 * Orders `candidates` by weighted fairness across tenants (`weights`, default weight 1), then
 * across keys within a tenant, then by priority and age within a key. Deterministic: the same
 * input always gives the same order. Returns the state as if every ordered candidate was served;
 * when only some are admitted, charge those with {@link chargeFairShare} instead.
 */
export function fairOrder<T extends FairCandidate>(
  candidates: readonly T[],
  weights: Readonly<Record<string, number>>,
  opts: FairOrderOptions<T> = {},
): FairOrderResult<T> {
  const ledger = new Ledger(opts.state, weights, opts);
  const queues = new Map<string, Map<string, { items: T[]; at: number }>>();
  for (const c of candidates) {
    let byKey = queues.get(c.tenant);
    if (!byKey) queues.set(c.tenant, (byKey = new Map()));
    const key = ledger.keyOf(c);
    const queue = byKey.get(key);
    if (queue) queue.items.push(c);
    else byKey.set(key, { items: [c], at: 0 });
  }
  for (const byKey of queues.values()) for (const q of byKey.values()) q.items.sort(compareFairWithinKey);

  const limit = Math.min(opts.limit ?? candidates.length, candidates.length);
  const ordered: T[] = [];
  while (ordered.length < limit) {
    const tenant = lowest(ledger.tenants, queues.keys());
    const byKey = queues.get(tenant)!;
    const key = lowest(ledger.keyClock(tenant), byKey.keys());
    const queue = byKey.get(key)!;
    const next = queue.items[queue.at++];
    if (queue.at === queue.items.length) byKey.delete(key);
    if (byKey.size === 0) queues.delete(tenant);
    ledger.charge(next);
    ordered.push(next);
  }
  return { ordered, state: ledger.toState() };
}

/** The contender with the lowest `max(pass, V)`; ties go to the smaller id. */
function lowest(clock: Clock, ids: Iterable<string>): string {
  let best: string | undefined;
  let bestPass = Infinity;
  for (const id of ids) {
    const pass = Math.max(clock.passes.get(id) ?? 0, clock.v);
    if (pass < bestPass || (pass === bestPass && best !== undefined && id < best)) {
      best = id;
      bestPass = pass;
    }
  }
  return best!;
}

/**
 * The state after serving `served` in that order (e.g. the jobs actually admitted out of a
 * fair-ordered batch). A tenant whose jobs were held back by its own limits banks no credit.
 */
export function chargeFairShare<T extends FairCandidate>(
  state: FairShareState | undefined,
  served: readonly T[],
  weights: Readonly<Record<string, number>>,
  opts: FairShareOptions<T> = {},
): FairShareState {
  const ledger = new Ledger(state, weights, opts);
  for (const c of served) ledger.charge(c);
  return ledger.toState();
}
