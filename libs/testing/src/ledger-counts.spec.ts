import { peakInFlight } from './ledger-counts';

const e = (event_type: string, job_id: string, attempt = 1) => ({ event_type, job_id, attempt });

describe('peakInFlight', () => {
  it('counts attempts between job.leased and their end, in ledger order', () => {
    expect(peakInFlight([e('job.leased', 'a'), e('job.leased', 'b'), e('job.running', 'a'), e('job.succeeded', 'a'), e('job.leased', 'c'), e('job.failed', 'b'), e('job.failed', 'c')])).toBe(2);
  });

  it('ends an attempt that goes back to the queue, and counts its next attempt apart', () => {
    expect(peakInFlight([e('job.leased', 'a', 1), e('job.queued', 'a', 1), e('job.leased', 'a', 2), e('job.leased', 'b'), e('job.succeeded', 'a', 2)])).toBe(2);
  });

  it('is 0 without leases, and ignores events that neither start nor end an attempt', () => {
    expect(peakInFlight([])).toBe(0);
    expect(peakInFlight([e('job.created', 'a'), e('job.progress', 'a'), e('job.log', 'a')])).toBe(0);
  });
});
