import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-job-type execution timeouts (issue 5): `deadline_at` is when the running attempt must be
 * done (its start + the job type's `JOB_TIMEOUTS` entry); the lease is never extended past it, so
 * the lease reaper finds a job that overruns at its deadline and the ledger ends the attempt
 * `execution_timeout` (retried, then `timed_out`) — distinct from a lease a worker stopped renewing.
 */
export class LedgerExecutionDeadline1764800000000 implements MigrationInterface {
  name = 'LedgerExecutionDeadline1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.jobs ADD COLUMN deadline_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.jobs DROP COLUMN deadline_at`);
  }
}
