import { AdmissionCandidate } from '@orch/contracts';
import { AllowAllPolicy } from './admission-policy';

const candidate = (jobId: string): AdmissionCandidate => ({ jobId, attempt: 1, project: 'p1', jobType: 'demo.echo', priority: 5 });

describe('AllowAllPolicy', () => {
  it('allows every candidate in the order given and throttles none', async () => {
    const ids = ['0192f0a0-0000-7000-8000-000000000002', '0192f0a0-0000-7000-8000-000000000001'];
    const result = await new AllowAllPolicy().decide({ tenant: 't1', jobs: ids.map(candidate), now: new Date(), correlationId: 'c1' });
    expect(result).toEqual({ allowed: ids, throttled: [] });
  });

  it('answers an empty question with empty lists', async () => {
    expect(await new AllowAllPolicy().decide({ tenant: 't1', jobs: [], now: new Date(), correlationId: 'c1' })).toEqual({ allowed: [], throttled: [] });
  });
});
