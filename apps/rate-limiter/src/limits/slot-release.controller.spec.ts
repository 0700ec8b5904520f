import { JobStatus } from '@orch/contracts';
import { endedBy } from './slot-release.controller';

const job = (status: JobStatus, attempt: number) => ({ event: {}, job: { id: 'j1', attempt, status } });

describe('endedBy (which attempts a ledger event ends)', () => {
  it.each([JobStatus.succeeded, JobStatus.failed, JobStatus.canceled, JobStatus.timedOut])('a %s event ends the job up to its attempt', (status) => {
    expect(endedBy(job(status, 3))).toEqual({ jobId: 'j1', endedBelow: 4 });
  });

  it('a job back to queued at attempt n ends the attempts below n', () => {
    expect(endedBy(job(JobStatus.queued, 2))).toEqual({ jobId: 'j1', endedBelow: 2 });
  });

  it.each([
    ['queued at attempt 1', job(JobStatus.queued, 1)],
    ['leased', job(JobStatus.leased, 2)],
    ['running', job(JobStatus.running, 2)],
    ['a body without a job', { event: {} }],
    ['an unknown status', { job: { id: 'j1', attempt: 1, status: 'weird' } }],
    ['null', null],
  ])('%s ends nothing', (_name, data) => {
    expect(endedBy(data)).toBeNull();
  });
});
