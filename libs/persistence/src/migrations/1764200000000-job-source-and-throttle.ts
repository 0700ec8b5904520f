import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduling policy (issue 4): a job's upstream `source` (limits key on it)
 * and, for a `throttled` job, why it waits (`throttle`: code, rule, key,
 * detail); its next eligible time is `eligible_at` (null while it waits for a
 * slot). The admission index covers both states the scheduler offers.
 */
export class LedgerJobSourceAndThrottle1764200000000 implements MigrationInterface {
  name = 'LedgerJobSourceAndThrottle1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.jobs ADD COLUMN source text, ADD COLUMN throttle jsonb`);
    await q.query(`
      CREATE INDEX jobs_admission_idx ON ledger.jobs (tenant, job_type, priority DESC, created_at)
      WHERE status IN ('queued', 'throttled')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger.jobs_admission_idx`);
    await q.query(`ALTER TABLE ledger.jobs DROP COLUMN throttle, DROP COLUMN source`);
  }
}
