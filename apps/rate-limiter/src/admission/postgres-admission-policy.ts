import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AdmissionCandidate, RateLimitAdmitResult, ThrottleDecision } from '@orch/contracts';
import {
  admissionStateKeys,
  AdmissionResult,
  evaluateAdmission,
  LimitCandidate,
  LimitState,
  LimitStateKeys,
  releaseSlots,
} from '@orch/domain';
import type { LimitRuleSet } from '@orch/domain';
import { AdmissionRow, keyKinds, LIMITS_DATA_SOURCE, LimitsStateRepository, NewAdmission, Queryable } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { BreakerOutcomes } from '../limits/breaker-outcomes';
import { RuleSetCache } from '../limits/rule-set-cache';
import { slotLockKeys } from '../limits/slot-keys';
import { withTxRetry } from '../limits/tx-retry';
import type { AdmissionPolicy, AdmissionRequest } from './admission-policy';

/** How the admit transaction sorts the candidates against their stored admissions. */
export interface AdmissionTriage {
  /** Attempts admitted before and not released: answered allowed, charged nothing. */
  alreadyAdmitted: Set<string>;
  /** Candidates to decide now, in the order given. */
  toDecide: AdmissionCandidate[];
  /** Open admissions of earlier attempts of a candidate's job: that attempt has ended, release it. */
  superseded: AdmissionRow[];
}

const attemptKey = (jobId: string, attempt: number): string => `${jobId}:${attempt}`;

/** Sorts candidates against the admissions stored for their jobs (pure). */
export function triageCandidates(jobs: readonly AdmissionCandidate[], admissions: readonly AdmissionRow[]): AdmissionTriage {
  const open = new Map<string, AdmissionRow>();
  for (const a of admissions) if (a.releasedAt === null) open.set(attemptKey(a.jobId, a.attempt), a);
  const alreadyAdmitted = new Set<string>();
  const toDecide: AdmissionCandidate[] = [];
  const asked = new Map<string, number>();
  for (const j of jobs) {
    asked.set(j.jobId, Math.max(asked.get(j.jobId) ?? 0, j.attempt));
    if (open.has(attemptKey(j.jobId, j.attempt))) alreadyAdmitted.add(j.jobId);
    else toDecide.push(j);
  }
  const superseded = [...open.values()].filter((a) => a.attempt < (asked.get(a.jobId) ?? 0));
  return { alreadyAdmitted, toDecide, superseded };
}

/** Every key of a planned key set, sorted and unique. */
function allKeys(keys: LimitStateKeys, extra: Iterable<string> = []): string[] {
  return [...new Set([...keys.buckets, ...keys.inFlight, ...keys.usage, ...keys.breakers, ...extra])].sort();
}

/** The decisions of one admit transaction, before they are turned into the reply. */
interface Decided {
  result: AdmissionResult | null;
  alreadyAdmitted: Set<string>;
}

/**
 * Admission decided in PostgreSQL (docs/adr/0011-scheduling-policy.md §1–2): one transaction per
 * batch. It takes the tenant's rules and pauses from the {@link RuleSetCache} (a tenant nothing
 * limits is answered without touching the database, docs/adr/0016), locks
 * the state rows of every key the batch touches FOR UPDATE in key order, sorts the candidates
 * against their stored admissions (an open admission of the same attempt is answered allowed
 * again, uncharged; an open admission of an earlier attempt is released first), runs the pure
 * `evaluateAdmission`, writes the touched rows and the new admissions, and commits.
 */
@Injectable()
export class PostgresAdmissionPolicy implements AdmissionPolicy {
  private readonly logger = new Logger('PostgresAdmissionPolicy');
  private readonly state = new LimitsStateRepository();
  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly ruleSets: RuleSetCache,
    private readonly breakers: BreakerOutcomes,
  ) {}

  async decide(request: AdmissionRequest): Promise<RateLimitAdmitResult> {
    if (request.jobs.length === 0) return { allowed: [], throttled: [] };
    const set = await this.ruleSets.get(request.tenant);
    if (set.rules.length + set.quotas.length + set.pauses.length + set.breakers.length === 0) {
      // Nothing limits this tenant: everything goes, uncharged (slots of earlier admissions are released by events and the reconciler).
      return { allowed: request.jobs.map((j) => j.jobId), throttled: [] };
    }
    const decided = await withTxRetry(this.ds, (tx) => this.decideIn(tx, request, set));
    const { result, alreadyAdmitted } = decided;
    const allowedNow = new Set(result?.allowed.map((a) => a.jobId) ?? []);
    const allowed = request.jobs.filter((j) => alreadyAdmitted.has(j.jobId) || allowedNow.has(j.jobId)).map((j) => j.jobId);
    const throttled: ThrottleDecision[] = (result?.throttled ?? []).map((t) => ({
      jobId: t.jobId,
      attempt: t.attempt,
      // A tenant's rules are stored as `<tenant>:<id>` (limits-admin/rule-input.ts); the reason names the id it chose.
      reason: { ...t.reason, ruleId: t.reason.ruleId.startsWith(`${request.tenant}:`) ? t.reason.ruleId.slice(request.tenant.length + 1) : t.reason.ruleId },
      nextEligibleAt: t.nextEligibleAt === null ? null : new Date(t.nextEligibleAt).toISOString(),
    }));
    if (result) this.breakers.announced(request.tenant, result.transitions);
    return { allowed, throttled };
  }

  private async decideIn(tx: Queryable, request: AdmissionRequest, set: LimitRuleSet): Promise<Decided> {
    const now = request.now.getTime();
    const subjects = request.jobs.map((j) => ({ tenant: request.tenant, project: j.project, source: j.source ?? null, jobType: j.jobType }));
    const planned = admissionStateKeys(subjects, set);
    const jobIds = [...new Set(request.jobs.map((j) => j.jobId))];

    // Unlocked read first, to learn the slot keys of superseded attempts, which must be locked too.
    const before = triageCandidates(request.jobs, await this.state.admissionsOfJobs(tx, { jobIds }));
    const old = slotLockKeys(before.superseded.flatMap((a) => a.slotKeys));
    const kinds = new Map([...old.kinds, ...keyKinds(planned)]);
    const keys = allKeys(planned, old.keys);
    let state: LimitState = await this.state.lockState(tx, { keys, kinds });
    const touched = new Set<string>();

    // Re-read under the locks: another replica may have decided some of these meanwhile.
    const triage = triageCandidates(request.jobs, await this.state.admissionsOfJobs(tx, { jobIds }));
    const released = await this.state.markReleased(tx, { attempts: triage.superseded, reason: 'superseded' });
    const locked = new Set(keys);
    const late = slotLockKeys(released.flatMap((a) => a.slotKeys));
    const lateKeys = late.keys.filter((k) => !locked.has(k));
    if (lateKeys.length > 0) {
      // Keys of an admission re-opened with other keys after our first read: lock them as well (rare).
      const more = await this.state.lockState(tx, { keys: lateKeys, kinds: late.kinds });
      state = { ...state, inFlight: { ...state.inFlight, ...more.inFlight }, breakers: { ...state.breakers, ...more.breakers } };
    }
    if (released.length > 0) {
      const change = releaseSlots(state, released.flatMap((a) => a.slotKeys));
      state = change.state;
      for (const k of change.touched) touched.add(k);
    }

    let result: AdmissionResult | null = null;
    if (triage.toDecide.length > 0) {
      const candidates: LimitCandidate[] = triage.toDecide.map((j) => ({
        jobId: j.jobId,
        attempt: j.attempt,
        priority: j.priority,
        tenant: request.tenant,
        project: j.project,
        source: j.source ?? null,
        jobType: j.jobType,
      }));
      result = evaluateAdmission({ ...set, now, candidates, state });
      state = result.state;
      for (const k of result.touched) touched.add(k);
      const admissions: NewAdmission[] = result.allowed
        .filter((a) => a.slotKeys.length + a.usageKeys.length + a.rateKeys.length > 0)
        .map((a) => ({ jobId: a.jobId, attempt: a.attempt, slotKeys: a.slotKeys, usageKeys: a.usageKeys, rateKeys: a.rateKeys }));
      await this.state.recordAdmissions(tx, { tenant: request.tenant, admissions, at: request.now });
      // A cooldown that ended is a breaker transition too: audited with the state that records it.
      const caller = { tenant: request.tenant, project: request.jobs[0].project, correlationId: request.correlationId };
      await this.breakers.recordTransitions(tx, caller, result.transitions);
    }
    await this.state.writeState(tx, { state, keys: [...touched].sort() });
    if (released.length > 0) this.logger.debug(`released ${released.length} superseded attempt(s) of tenant ${request.tenant}`);
    return { result, alreadyAdmitted: triage.alreadyAdmitted };
  }
}
