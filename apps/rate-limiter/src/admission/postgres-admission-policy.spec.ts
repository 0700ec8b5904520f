import type { AdmissionRow } from '@orch/persistence';
import { triageCandidates } from './postgres-admission-policy';

const c = (jobId: string, attempt = 1) => ({ jobId, attempt, project: 'p1', jobType: 't', priority: 5 });
const row = (jobId: string, attempt: number, released = false): AdmissionRow => ({
  jobId,
  attempt,
  tenant: 't1',
  slotKeys: ['k'],
  usageKeys: [],
  rateKeys: [],
  admittedAt: new Date(0),
  releasedAt: released ? new Date(1) : null,
});

describe('triageCandidates', () => {
  it('answers an open admission of the same attempt as already admitted and decides the rest in order', () => {
    const t = triageCandidates([c('a'), c('b'), c('c')], [row('b', 1)]);
    expect([...t.alreadyAdmitted]).toEqual(['b']);
    expect(t.toDecide.map((j) => j.jobId)).toEqual(['a', 'c']);
    expect(t.superseded).toEqual([]);
  });

  it('decides again an attempt whose admission was released (reconciled before the ledger recorded it)', () => {
    const t = triageCandidates([c('a')], [row('a', 1, true)]);
    expect(t.toDecide.map((j) => j.jobId)).toEqual(['a']);
    expect(t.alreadyAdmitted.size).toBe(0);
  });

  it('marks open admissions of earlier attempts of an asked job as superseded', () => {
    const t = triageCandidates([c('a', 3)], [row('a', 1, true), row('a', 2)]);
    expect(t.superseded.map((a) => a.attempt)).toEqual([2]);
    expect(t.toDecide.map((j) => j.attempt)).toEqual([3]);
  });
});
