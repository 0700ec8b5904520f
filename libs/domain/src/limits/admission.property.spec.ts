import fc from 'fast-check';
import { AllowedJob, evaluateAdmission, LimitCandidate } from './admission';
import { applyUpstreamFeedbackToLimits } from './feedback';
import { planSubject } from './plan';
import type { ConcurrencyRule, LimitRule, QuotaRule, RateRule } from './rules';
import { emptyLimitState, LimitState, releaseSlots } from './state';

/** Invariants over arbitrary sequences of batches, releases, upstream feedback and clock movement. */

const TENANTS = ['t1', 't2'];
const SOURCES = ['nvd', 'osv', null];
const TYPES = ['scan', 'fetch'];

type Step =
  | { kind: 'batch'; dtMs: number; subjects: { tenant: string; source: string | null; jobType: string }[] }
  | { kind: 'release'; pick: number; twice: boolean }
  | { kind: 'feedback'; tenant: string; source: string | null; status: number; retryAfterMs: number };

const subject = fc.record({ tenant: fc.constantFrom(...TENANTS), source: fc.constantFrom(...SOURCES), jobType: fc.constantFrom(...TYPES) });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('batch' as const), dtMs: fc.integer({ min: -500, max: 4_000 }), subjects: fc.array(subject, { maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), twice: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('feedback' as const),
      tenant: fc.constantFrom(...TENANTS),
      source: fc.constantFrom(...SOURCES),
      status: fc.constantFrom(200, 429, 503),
      retryAfterMs: fc.integer({ min: 0, max: 3_000 }),
    }),
  },
);

const limits = fc.record({
  rate: fc.double({ min: 0.05, max: 5, noNaN: true }),
  burst: fc.double({ min: 1, max: 6, noNaN: true }),
  sharedRate: fc.double({ min: 0.05, max: 5, noNaN: true }),
  sharedBurst: fc.integer({ min: 1, max: 4 }),
  maxInFlight: fc.integer({ min: 1, max: 4 }),
  maxActive: fc.integer({ min: 1, max: 6 }),
});

describe('admission invariants', () => {
  it('never admits more per rate key than burst + rate × elapsed, nor more in flight per key than its cap, nor counts below zero', () => {
    fc.assert(
      fc.property(limits, fc.array(step, { maxLength: 40 }), (l, steps) => {
        const rates: RateRule[] = [
          { id: 'r1', kind: 'rate', tenant: null, match: {}, per: ['tenant', 'source'], ratePerSecond: l.rate, burst: l.burst },
          { id: 'r2', kind: 'rate', tenant: null, match: { source: 'nvd' }, per: ['source'], ratePerSecond: l.sharedRate, burst: l.sharedBurst },
        ];
        const caps: ConcurrencyRule[] = [{ id: 'c1', kind: 'concurrency', tenant: null, match: {}, per: ['tenant', 'jobType'], maxInFlight: l.maxInFlight }];
        const quotas: QuotaRule[] = [{ id: 'q1', tenant: 't1', match: {}, per: ['tenant'], maxActive: l.maxActive }];
        const rules: LimitRule[] = [...rates, ...caps];
        const maxOf: Record<string, number> = {};

        let state: LimitState = emptyLimitState();
        let now = Date.UTC(2026, 10, 5);
        let latest = now;
        let seq = 0;
        const firstSeen = new Map<string, number>();
        const admitted = new Map<string, number>();
        const held: AllowedJob[] = [];
        let doubled = false;

        for (const s of steps) {
          if (s.kind === 'release') {
            if (held.length === 0) continue;
            const [job] = held.splice(s.pick % held.length, 1);
            state = releaseSlots(state, job.slotKeys).state;
            if (s.twice) state = releaseSlots(state, job.slotKeys).state;
            doubled ||= s.twice;
          } else if (s.kind === 'feedback') {
            const subj = { tenant: s.tenant, project: 'p', source: s.source, jobType: 'scan' };
            state = applyUpstreamFeedbackToLimits({ now, rules, subject: subj, feedback: s, state }).state;
          } else {
            now += s.dtMs;
            latest = Math.max(latest, now);
            const candidates: LimitCandidate[] = s.subjects.map((x) => ({ ...x, project: 'p', jobId: `j${++seq}`, attempt: 1, priority: 5 }));
            for (const c of candidates) {
              const plan = planSubject(c, { rules, quotas, pauses: [], breakers: [] });
              for (const r of plan.rates) if (!firstSeen.has(r.key)) firstSeen.set(r.key, now);
              for (const cap of plan.caps) maxOf[cap.key] = cap.max;
            }
            const result = evaluateAdmission({ now, candidates, rules, quotas, pauses: [], breakers: [], state });
            state = result.state;
            held.push(...result.allowed);
            for (const a of result.allowed) for (const key of a.rateKeys) admitted.set(key, (admitted.get(key) ?? 0) + 1);
            expect(result.allowed.length + result.throttled.length).toBe(candidates.length);
          }
          for (const [key, count] of admitted) {
            const rule = rates.find((r) => key.startsWith(`${r.id}|`))!;
            expect(count).toBeLessThanOrEqual(rule.burst + (rule.ratePerSecond * (latest - firstSeen.get(key)!)) / 1000 + 1e-6);
          }
          for (const [key, n] of Object.entries(state.inFlight)) {
            expect(n).toBeGreaterThanOrEqual(0);
            expect(n).toBeLessThanOrEqual(maxOf[key]);
            // Equal to the jobs holding the slot, less any a double release took off early (releases are the caller's to dedupe).
            expect(n).toBeLessThanOrEqual(held.filter((h) => h.slotKeys.includes(key)).length);
            if (!doubled) expect(n).toBe(held.filter((h) => h.slotKeys.includes(key)).length);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('decides every candidate exactly once, in the order given', () => {
    fc.assert(
      fc.property(fc.array(subject, { maxLength: 20 }), fc.integer({ min: 1, max: 3 }), (subjects, cap) => {
        const candidates = subjects.map((x, i) => ({ ...x, project: 'p', jobId: `j${i}`, attempt: 1, priority: 5 }));
        const rules: LimitRule[] = [{ id: 'c', kind: 'concurrency', tenant: null, match: {}, per: ['tenant'], maxInFlight: cap }];
        const r = evaluateAdmission({ now: 0, candidates, rules, quotas: [], pauses: [], breakers: [], state: emptyLimitState() });
        const order = (ids: string[]) => ids.map((id) => Number(id.slice(1)));
        const allowed = order(r.allowed.map((a) => a.jobId));
        const throttled = order(r.throttled.map((t) => t.jobId));
        expect([...allowed, ...throttled].sort((a, b) => a - b)).toEqual(candidates.map((_, i) => i));
        expect(allowed).toEqual([...allowed].sort((a, b) => a - b));
        for (const t of TENANTS) expect(candidates.filter((c, i) => c.tenant === t && allowed.includes(i)).length).toBe(Math.min(cap, candidates.filter((c) => c.tenant === t).length));
      }),
    );
  });
});
