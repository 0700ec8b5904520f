/**
 * Smooth weighted round robin (nginx's algorithm): each pick adds every contender's weight to its
 * running credit, picks the highest credit (ties: smaller id) and takes the contenders' total
 * weight off the winner. With weights 3:1 the picks go A A B A, A A B A …, spread out rather than
 * in runs, and over any whole cycle each contender gets exactly its weight. Only tenants with work
 * contend, so an idle tenant's turns go to the others.
 */

/** Running credits per tenant (plain JSON; absent = 0). */
export interface WeightedRoundRobinState {
  credits: Record<string, number>;
}

/** A pick and the state after it. */
export interface WeightedPick {
  /** The chosen tenant, or null when none has work. */
  pick: string | null;
  state: WeightedRoundRobinState;
}

function weightOf(weights: Readonly<Record<string, number>>, tenant: string, defaultWeight: number): number {
  const w = Object.hasOwn(weights, tenant) ? weights[tenant] : defaultWeight;
  if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`weight of tenant ${tenant} must be a positive number, got ${w}`);
  return w;
}

/** One smooth-WRR pick among `withWork` (duplicates ignored), as a pure function of the state. */
export function pickWeighted(
  state: WeightedRoundRobinState,
  weights: Readonly<Record<string, number>>,
  withWork: Iterable<string>,
  defaultWeight = 1,
): WeightedPick {
  const contenders = [...new Set(withWork)].sort();
  if (contenders.length === 0) return { pick: null, state };
  const credits = { ...state.credits };
  let total = 0;
  let best: string | null = null;
  for (const tenant of contenders) {
    const w = weightOf(weights, tenant, defaultWeight);
    total += w;
    credits[tenant] = (Object.hasOwn(credits, tenant) ? credits[tenant] : 0) + w;
    if (best === null || credits[tenant] > credits[best]) best = tenant;
  }
  credits[best!] -= total;
  return { pick: best, state: { credits } };
}

/**
 * A picker for a worker pool claiming work for several tenants: `next(tenantsWithWork)` says whose
 * work to claim next, in weighted proportion. In-memory; its state is {@link pickWeighted}'s.
 */
export class WeightedRoundRobin {
  private state: WeightedRoundRobinState = { credits: {} };
  private weights: Readonly<Record<string, number>>;

  /** @param weights per tenant; a tenant not listed weighs `defaultWeight`. */
  constructor(
    weights: Readonly<Record<string, number>> = {},
    private readonly defaultWeight = 1,
  ) {
    this.weights = { ...weights };
  }

  /** Replaces the weights; credits carry over. */
  setWeights(weights: Readonly<Record<string, number>>): void {
    this.weights = { ...weights };
  }

  /** The tenant to serve next among those with work, or null when none has any. */
  next(tenantsWithWork: Iterable<string>): string | null {
    const { pick, state } = pickWeighted(this.state, this.weights, tenantsWithWork, this.defaultWeight);
    this.state = state;
    return pick;
  }

  /** Drops a tenant's credit (e.g. when it leaves the pool), so it starts afresh if it returns. */
  forget(tenant: string): void {
    const credits = { ...this.state.credits };
    delete credits[tenant];
    this.state = { credits };
  }
}
