/**
 * Circuit breaker, as pure functions over a plain persisted state.
 *
 * closed → open: a failure leaves the failure rate over the sliding window at or above
 *   `failureRateThreshold` with at least `minOutcomes` outcomes in it. The window is
 *   bucketed: `windowBuckets` buckets of `windowMs / windowBuckets` each, so the state stays small.
 * open → half_open: once `openMs` has passed (`openUntil`); jobs wait until then.
 * half_open: admits at most `halfOpenProbes` probes (in flight + already succeeded);
 *   `halfOpenProbes` probe successes close it, one probe failure reopens it for `openMs`.
 */

/** Breaker status. */
export type BreakerStatus = 'closed' | 'open' | 'half_open';

/** Thresholds and timings of a breaker (a {@link BreakerRule} is one). */
export interface BreakerConfig {
  /** Failure fraction that opens the breaker, in (0, 1]. */
  failureRateThreshold: number;
  /** Fewest outcomes in the window before the rate counts (integer ≥ 1). */
  minOutcomes: number;
  /** Length of the sliding window (ms). */
  windowMs: number;
  /** How long the breaker stays open before probing (ms). */
  openMs: number;
  /** Probes admitted while half-open, and successes needed to close (integer ≥ 1). */
  halfOpenProbes: number;
  /** Buckets the window is split into (integer 1…60, default {@link BREAKER_WINDOW_BUCKETS_DEFAULT}). */
  windowBuckets?: number;
}

/** Default number of buckets in a breaker's sliding window. */
export const BREAKER_WINDOW_BUCKETS_DEFAULT = 10;

/** Outcome counts of one window bucket starting at `start` (epoch ms). */
export interface OutcomeBucket {
  start: number;
  successes: number;
  failures: number;
}

/** The persisted state of one breaker (plain JSON). A missing breaker is closed and empty. */
export interface BreakerState {
  status: BreakerStatus;
  /** Epoch ms the breaker entered `status` (for half_open: the end of the cooldown). */
  since: number;
  /** Epoch ms the cooldown ends, while open; else null. */
  openUntil: number | null;
  /** Outcome buckets inside the window, oldest first (closed only). */
  window: OutcomeBucket[];
  /** Probes admitted and not yet released (half_open only). */
  probesInFlight: number;
  /** Probe successes so far (half_open only). */
  probeSuccesses: number;
}

/** How a job (or its upstream call) ended. */
export interface BreakerOutcome {
  success: boolean;
  /** When the job was admitted; a half-open breaker ignores outcomes of jobs admitted before it began probing. */
  admittedAt?: number | null;
}

/** Why a breaker changed status (stable codes). */
export type BreakerTransitionReason = 'failure_rate' | 'cooldown_elapsed' | 'probes_succeeded' | 'probe_failed';

/** A status change, to be published as an event. */
export interface BreakerTransition {
  from: BreakerStatus;
  to: BreakerStatus;
  /** Epoch ms it took effect (for open → half_open: the end of the cooldown). */
  at: number;
  reason: BreakerTransitionReason;
  detail: string;
}

/** A breaker transition with the rule and key of the breaker it happened to. */
export interface KeyedBreakerTransition extends BreakerTransition {
  ruleId: string;
  key: string;
}

/** A breaker state with the transitions that led to it (zero, one or two). */
export interface BreakerStep {
  state: BreakerState;
  transitions: BreakerTransition[];
}

/** What a breaker says about admitting a job now. */
export interface BreakerAdmission {
  admit: boolean;
  /** The admitted job is a half-open probe (take a probe slot with {@link admitProbe}). */
  probe: boolean;
  /** When refused: the end of the cooldown, or null while the probes are out. */
  nextEligibleAt: number | null;
}

/** A closed breaker with an empty window. */
export function closedBreaker(now: number): BreakerState {
  return { status: 'closed', since: now, openUntil: null, window: [], probesInFlight: 0, probeSuccesses: 0 };
}

function opened(now: number, config: BreakerConfig): BreakerState {
  return { status: 'open', since: now, openUntil: now + config.openMs, window: [], probesInFlight: 0, probeSuccesses: 0 };
}

/** Moves an open breaker whose cooldown is over to half_open (as of `openUntil`); else returns it unchanged. */
export function advanceBreaker(state: BreakerState, now: number): BreakerStep {
  if (state.status !== 'open' || state.openUntil === null || now < state.openUntil) return { state, transitions: [] };
  const at = state.openUntil;
  return {
    state: { status: 'half_open', since: at, openUntil: null, window: [], probesInFlight: 0, probeSuccesses: 0 },
    transitions: [{ from: 'open', to: 'half_open', at, reason: 'cooldown_elapsed', detail: `cooldown ended at ${new Date(at).toISOString()}` }],
  };
}

function bucketWidth(config: BreakerConfig): number {
  return Math.max(1, Math.floor(config.windowMs / (config.windowBuckets ?? BREAKER_WINDOW_BUCKETS_DEFAULT)));
}

function pruneWindow(window: readonly OutcomeBucket[], now: number, config: BreakerConfig): OutcomeBucket[] {
  return window.filter((b) => b.start > now - config.windowMs);
}

/** Failures and outcomes inside the window at `now`. */
export function breakerCounts(state: BreakerState | undefined, now: number, config: BreakerConfig): { failures: number; total: number } {
  let failures = 0;
  let total = 0;
  for (const b of pruneWindow(state?.window ?? [], now, config)) {
    failures += b.failures;
    total += b.failures + b.successes;
  }
  return { failures, total };
}

function addToWindow(window: OutcomeBucket[], now: number, success: boolean, config: BreakerConfig): OutcomeBucket[] {
  const width = bucketWidth(config);
  const last = window.at(-1);
  // A clock stepping back lands in the newest bucket rather than reordering the window.
  const start = last && now < last.start + width ? last.start : Math.floor(now / width) * width;
  const bucket = last && last.start === start ? last : { start, successes: 0, failures: 0 };
  const updated = success ? { ...bucket, successes: bucket.successes + 1 } : { ...bucket, failures: bucket.failures + 1 };
  return bucket === last ? [...window.slice(0, -1), updated] : [...window, updated];
}

/**
 * Records a job outcome at `now`. Closed: counts it in the window and opens on a failure that
 * brings the rate to the threshold. Half-open: a failure reopens, the `halfOpenProbes`-th success
 * closes. Open: ignored (the outcome of a job admitted before it opened). An open breaker whose
 * cooldown is over is first moved to half_open, so up to two transitions come back.
 */
export function recordOutcome(state: BreakerState | undefined, outcome: BreakerOutcome, now: number, config: BreakerConfig): BreakerStep {
  const { state: s, transitions } = advanceBreaker(state ?? closedBreaker(now), now);
  if (s.status === 'open') return { state: s, transitions };
  if (s.status === 'half_open') {
    if (outcome.admittedAt != null && outcome.admittedAt < s.since) return { state: s, transitions };
    if (!outcome.success) {
      const t: BreakerTransition = { from: 'half_open', to: 'open', at: now, reason: 'probe_failed', detail: `a probe failed; open for ${config.openMs} ms` };
      return { state: opened(now, config), transitions: [...transitions, t] };
    }
    const probeSuccesses = s.probeSuccesses + 1;
    if (probeSuccesses < config.halfOpenProbes) return { state: { ...s, probeSuccesses }, transitions };
    const t: BreakerTransition = {
      from: 'half_open',
      to: 'closed',
      at: now,
      reason: 'probes_succeeded',
      detail: `${probeSuccesses}/${config.halfOpenProbes} probes succeeded`,
    };
    return { state: closedBreaker(now), transitions: [...transitions, t] };
  }
  const window = addToWindow(pruneWindow(s.window, now, config), now, outcome.success, config);
  const closed: BreakerState = { ...s, window };
  if (outcome.success) return { state: closed, transitions };
  const { failures, total } = breakerCounts(closed, now, config);
  if (total < config.minOutcomes || failures / total < config.failureRateThreshold) return { state: closed, transitions };
  const t: BreakerTransition = {
    from: 'closed',
    to: 'open',
    at: now,
    reason: 'failure_rate',
    detail: `${failures}/${total} failed (rate ${(failures / total).toFixed(3)} ≥ ${config.failureRateThreshold}) within ${config.windowMs} ms`,
  };
  return { state: opened(now, config), transitions: [...transitions, t] };
}

/**
 * Whether the breaker lets a job through at `now`. Closed: yes. Open: no, until `openUntil`.
 * Half-open (or open past its cooldown): yes as a probe while fewer than `halfOpenProbes` probes
 * are in flight or have succeeded; otherwise no, with no next time (it waits for probe results).
 */
export function breakerAdmits(state: BreakerState | undefined, now: number, config: BreakerConfig): BreakerAdmission {
  if (!state) return { admit: true, probe: false, nextEligibleAt: null };
  const s = advanceBreaker(state, now).state;
  if (s.status === 'closed') return { admit: true, probe: false, nextEligibleAt: null };
  if (s.status === 'open') return { admit: false, probe: false, nextEligibleAt: s.openUntil };
  if (s.probesInFlight + s.probeSuccesses < config.halfOpenProbes) return { admit: true, probe: true, nextEligibleAt: null };
  return { admit: false, probe: false, nextEligibleAt: null };
}

/** A half-open breaker with one more probe in flight. */
export function admitProbe(state: BreakerState): BreakerState {
  return { ...state, probesInFlight: state.probesInFlight + 1 };
}

/**
 * Releases a probe slot taken in the half-open period that began at `since`. A slot of an
 * earlier period (the breaker has since closed, reopened or started probing again) changes nothing.
 */
export function releaseProbe(state: BreakerState, since: number): BreakerState {
  if (state.status !== 'half_open' || state.since !== since || state.probesInFlight <= 0) return state;
  return { ...state, probesInFlight: state.probesInFlight - 1 };
}
